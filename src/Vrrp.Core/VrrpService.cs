using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Vrrp.Addressing;
using Vrrp.Health;
using Vrrp.Notifications;
using Vrrp.Transport;

namespace Vrrp;

/// <summary>
/// Runs the routers of <see cref="VrrpOptions"/> with the host: registered by <c>AddVrrp()</c>, it starts them when
/// the host starts and stops them gracefully when it stops (a master sends priority 0 and removes its addresses).
/// </summary>
/// <remarks>
/// The routers are made on first use of <see cref="Routers"/> or <see cref="GetRouter"/> (so that leader elections
/// and your code can hold them before the host starts) or at start, on the transports of the registered
/// <see cref="IVrrpTransportFactory"/>, with the registered address manager, announcer, notifier and
/// <see cref="TimeProvider"/> (or none, none, none and the system clock). <see cref="ApplyAsync"/> takes a new set of
/// router options while running and restarts only the routers whose options changed (a daemon's reload).
/// </remarks>
public sealed class VrrpService : IHostedService, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly VrrpOptions _options;
    private readonly IVrrpTransportFactory? _transports;
    private readonly IVirtualAddressManager _addressManager;
    private readonly IAddressAnnouncer _announcer;
    private readonly TimeProvider _time;
    private readonly IVrrpNotifier? _notifier;
    private readonly VrrpActionRunner? _actionRunner;
    private readonly IVirtualRouterLifecycle[] _lifecycles;
    private readonly Microsoft.Extensions.Options.IOptionsMonitor<VrrpOptions>? _monitor;
    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private readonly IVrrpCheckFactory[] _checkFactories;
    private readonly Dictionary<VirtualRouter, ScheduledHealthCheck[]> _configuredChecks = []; // under _configuredChecks
    private IDisposable? _following;
    private VirtualRouter[]? _routers;
    private VirtualRouterOptions[]? _applied; // the options each router of _routers was made from, in the same order
    private bool _started;
    private bool _disposed;

    internal VrrpService(
        VrrpOptions options,
        IVrrpTransportFactory? transports,
        IVirtualAddressManager? addressManager,
        IAddressAnnouncer? announcer,
        TimeProvider? timeProvider,
        IVrrpNotifier? notifier,
        VrrpActionRunner? actionRunner = null,
        IEnumerable<IVirtualRouterLifecycle>? lifecycles = null,
        Microsoft.Extensions.Options.IOptionsMonitor<VrrpOptions>? monitor = null,
        Microsoft.Extensions.Logging.ILogger? logger = null,
        IEnumerable<IVrrpCheckFactory>? checkFactories = null)
    {
        _monitor = monitor;
        _checkFactories = [.. checkFactories ?? [], BuiltInCheckFactory.Instance];
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _actionRunner = actionRunner;
        _lifecycles = [.. lifecycles ?? []];
        _options = options;
        _transports = transports;
        _addressManager = addressManager ?? NullAddressManager.Instance;
        _announcer = announcer ?? NullAddressManager.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _notifier = notifier;
    }

    /// <summary>Gets the routers, in configured order, made on first use.</summary>
    /// <exception cref="VrrpConfigurationException">No transport is registered, or a router cannot run on its transport.</exception>
    public IReadOnlyList<VirtualRouter> Routers => EnsureRouters();

    /// <summary>Returns a router by its name.</summary>
    /// <param name="name">The router's <see cref="VirtualRouter.Name"/>.</param>
    /// <returns>The router.</returns>
    /// <exception cref="KeyNotFoundException">No router has that name.</exception>
    public VirtualRouter GetRouter(string name)
    {
        foreach (VirtualRouter router in EnsureRouters())
        {
            if (router.Name == name)
            {
                return router;
            }
        }

        throw new KeyNotFoundException($"No Vrrp router is named '{name}'; the names are: {string.Join(", ", EnsureRouters().Select(r => r.Name))}.");
    }

    /// <summary>Starts every router.</summary>
    /// <param name="cancellationToken">Cancels waiting for a reload under way.</param>
    /// <returns>A task that completes when every router started.</returns>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Serialized with ApplyAsync: a reload never swaps the routers between the snapshot and their start.
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            VirtualRouter[] routers = EnsureRouters();
            int started = 0;
            try
            {
                VirtualRouterOptions[] applied;
                lock (_gate)
                {
                    applied = _applied!;
                }

                for (; started < routers.Length; started++)
                {
                    Start(routers[started], applied[started]);
                }
            }
            catch
            {
                for (int i = 0; i < started; i++)
                {
                    Stop(routers[i]);
                }

                throw;
            }

            lock (_gate)
            {
                _started = true;
            }

            // Options that change (a configuration reloaded) change the routers: in place where the protocol allows it,
            // by restarting only the router concerned otherwise.
            _following ??= _monitor?.OnChange((options, name) =>
            {
                if (name is null || name == Microsoft.Extensions.Options.Options.DefaultName)
                {
                    _ = FollowAsync(options);
                }
            });
        }
        finally
        {
            _applying.Release();
        }
    }

    private async Task FollowAsync(VrrpOptions options)
    {
        IReadOnlyList<string> invalid = DependencyInjection.VrrpOptionsValidator.Check(options);
        if (invalid.Count > 0)
        {
            Diagnostics.VrrpLog.OptionsReloadRefused(_logger, string.Join(" ", invalid));
            return;
        }

        try
        {
            VrrpReloadResult result = await ApplyAsync(options.Routers).ConfigureAwait(false);
            Diagnostics.VrrpLog.OptionsReloaded(_logger, result.Kept.Count, result.Updated.Count, result.Restarted.Count, result.Added.Count, result.Removed.Count);
        }
#pragma warning disable CA1031 // a refused reload leaves the routers as they were, and says why; it must not crash the host
        catch (Exception e) when (e is VrrpConfigurationException or ObjectDisposedException or InvalidOperationException)
#pragma warning restore CA1031
        {
            Diagnostics.VrrpLog.OptionsReloadRefused(_logger, e.Message);
        }
    }

    /// <summary>Stops every router gracefully: a master sends priority 0, so a backup takes over after Skew_Time, and removes its addresses.</summary>
    /// <param name="cancellationToken">Cancels waiting for a reload under way.</param>
    /// <returns>A task that completes when every router stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            VirtualRouter[]? routers;
            bool wasStarted;
            _following?.Dispose();
            _following = null;
            lock (_gate)
            {
                wasStarted = _started;
                _started = false;
                routers = _routers;
            }

            foreach (VirtualRouter router in routers ?? [])
            {
                if (wasStarted)
                {
                    Stop(router);
                }
                else
                {
                    router.Stop();
                }
            }
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>Disposes the routers (stopping any still running); the transports belong to their factory.</summary>
    /// <returns>A task that completes when the routers are disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        _following?.Dispose();
        await _applying.WaitAsync().ConfigureAwait(false); // a reload under way finishes first
        VirtualRouter[] routers;
        VirtualRouterOptions[] applied;
        bool started;
        try
        {
            lock (_gate)
            {
                _disposed = true;
                routers = _routers ?? [];
                applied = _applied ?? [];
                started = _started;
                _started = false;
            }
        }
        finally
        {
            _applying.Release();
        }

        // Outside the lock: Dispose waits for the router's actions, and a handler among them may ask for a router.
        for (int i = 0; i < routers.Length; i++)
        {
            Retire(routers[i], applied[i], started);
        }
    }

    /// <summary>
    /// Makes the running set of routers that of <paramref name="routers"/>, as a daemon's reload does: a router whose
    /// options are unchanged (by name, every value, the same tracked checks) keeps running untouched; a changed one
    /// is stopped (a master sends priority 0 and removes its addresses) and made again; a removed one is stopped; a
    /// new one is made, and started if the service runs.
    /// </summary>
    /// <remarks>Everything that can refuse the new set is checked first: an invalid set changes nothing.</remarks>
    /// <param name="routers">Every router the service should run, each with a distinct name.</param>
    /// <param name="cancellationToken">Not used: applying does not wait.</param>
    /// <returns>What was kept, restarted, added and removed, by name.</returns>
    /// <exception cref="VrrpConfigurationException">An option is invalid, two routers share a name or a VRID on one interface and family, or a transport refuses a router; nothing changed.</exception>
    public async Task<VrrpReloadResult> ApplyAsync(IEnumerable<VirtualRouterOptions> routers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(routers);
        VirtualRouterOptions[] wanted = [.. routers];
        var errors = new List<string>();
        foreach (VirtualRouterOptions options in wanted)
        {
            errors.AddRange(options.Validate());
        }

        foreach (IGrouping<string, VirtualRouterOptions> clash in wanted.GroupBy(NameOf, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"{clash.Key}: {clash.Count()} routers have this name; each needs its own.");
        }

        foreach (var clash in wanted.GroupBy(o => (o.Interface, Family: FamilyOf(o), o.VirtualRouterId)).Where(g => g.Count() > 1))
        {
            errors.Add($"{string.Join(", ", clash.Select(NameOf))}: VRID {clash.Key.VirtualRouterId} is used more than once on {clash.Key.Interface} for {clash.Key.Family}.");
        }

        errors.AddRange(VirtualMacClashes(wanted));
        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }

        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureRouters();
            var next = new VirtualRouter?[wanted.Length];
            var kept = new List<string>();
            var updates = new List<(VirtualRouter Router, VirtualRouterOptions Before, VirtualRouterOptions After)>();
            var retire = new List<(VirtualRouter Router, VirtualRouterOptions Options)>();
            var transports = new IVrrpTransport?[wanted.Length];
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var running = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < _routers!.Length; i++)
                {
                    running[_routers[i].Name] = i;
                }

                var keep = new bool[_routers.Length];
                for (int i = 0; i < wanted.Length; i++)
                {
                    if (running.TryGetValue(NameOf(wanted[i]), out int index) && _applied![index].IsSameRouterAs(wanted[i]))
                    {
                        next[i] = _routers[index];
                        keep[index] = true;
                        kept.Add(_routers[index].Name);
                    }
                    else if (running.TryGetValue(NameOf(wanted[i]), out index) && _applied![index].CanBecomeInPlace(wanted[i])
                        && _routers[index].CanTakeAddresses(wanted[i].VirtualAddresses))
                    {
                        next[i] = _routers[index];
                        keep[index] = true;
                        updates.Add((_routers[index], _applied[index], wanted[i]));
                    }
                }

                // Every shared transport the new routers need, before anything running is touched: a transport that
                // refuses (no such interface, say) leaves the set as it was. A router's own interface (virtual MAC
                // mode) is made after the router it replaces is gone, as it may carry the same name.
                for (int i = 0; i < wanted.Length; i++)
                {
                    if (next[i] is null && !wanted[i].UseVirtualMac)
                    {
                        transports[i] = _transports!.GetTransport(wanted[i]);
                    }
                }

                for (int i = 0; i < _routers.Length; i++)
                {
                    if (!keep[i])
                    {
                        retire.Add((_routers[i], _applied![i]));
                    }
                }

                _routers = [.. next.Where(r => r is not null)!];
                // Until the set is committed, a router updated in place is listed with the options it still runs.
                _applied = [.. wanted.Select((o, i) => (o, i)).Where(p => next[p.i] is not null)
                    .Select(p => updates.FirstOrDefault(u => ReferenceEquals(u.Router, next[p.i])).Before ?? p.o)];
            }

            // Outside the lock (Dispose waits for the router's actions, and a handler among them may ask for a router),
            // and before the replacements are made: a replacement needs its VRID's slot on the same transport.
            bool start;
            lock (_gate)
            {
                start = _started;
            }

            foreach ((VirtualRouter router, VirtualRouterOptions options) in retire)
            {
                Retire(router, options, start);
            }

            var fresh = new List<(VirtualRouter Router, VirtualRouterOptions Options)>();
            var startedFresh = new HashSet<VirtualRouter>();
            try
            {
                for (int i = 0; i < wanted.Length; i++)
                {
                    if (next[i] is null)
                    {
                        transports[i] ??= _transports!.GetTransport(wanted[i]);
                        next[i] = new VirtualRouter(wanted[i], transports[i]!, _addressManager, _announcer, _time, _notifier, _actionRunner);
                        fresh.Add((next[i]!, wanted[i]));
                    }
                }

                // Started before the set is committed: a router that cannot start refuses the whole reload.
                if (start)
                {
                    foreach ((VirtualRouter router, VirtualRouterOptions options) in fresh)
                    {
                        Start(router, options);
                        startedFresh.Add(router);
                    }
                }
            }
            catch
            {
                // Put back what ran before, as it was, so a refused set changes nothing that can be helped; the
                // original exception is the one thrown, whatever the putting back meets.
                foreach ((VirtualRouter router, VirtualRouterOptions options) in fresh)
                {
                    TryQuietly(() => Retire(router, options, startedFresh.Contains(router)));
                }

                for (int i = 0; i < wanted.Length; i++)
                {
                    if (transports[i] is { DedicatedInterface: not null } && !fresh.Any(f => ReferenceEquals(f.Options, wanted[i])))
                    {
                        int index = i;
                        TryQuietly(() => _transports!.ReleaseTransport(wanted[index])); // made, but its router never was
                    }
                }

                foreach ((VirtualRouter old, VirtualRouterOptions options) in retire)
                {
                    TryQuietly(() =>
                    {
                        var again = new VirtualRouter(options, _transports!.GetTransport(options), _addressManager, _announcer, _time, _notifier, _actionRunner);
                        lock (_gate)
                        {
                            _routers = [.. _routers!, again];
                            _applied = [.. _applied!, options];
                        }

                        if (start)
                        {
                            Start(again, options);
                        }
                    });
                }

                throw;
            }

            lock (_gate)
            {
                _routers = [.. next!];
                _applied = wanted;
            }

            // What a running router takes in place (validated above), once the rest of the set is in place: no restart,
            // no gap in its adverts.
            foreach ((VirtualRouter router, VirtualRouterOptions before, VirtualRouterOptions after) in updates)
            {
                if (before.Priority != after.Priority)
                {
                    router.SetPriority(after.Priority);
                }

                if (!before.VirtualAddresses.SequenceEqual(after.VirtualAddresses, StringComparer.Ordinal))
                {
                    router.SetVirtualAddresses(after.VirtualAddresses);
                }

                if (!before.UnicastPeers.SequenceEqual(after.UnicastPeers, StringComparer.Ordinal))
                {
                    router.SetUnicastPeers(after.UnicastPeers);
                }

                if (!before.HasSameChecksAs(after))
                {
                    StopChecks(router);
                    if (start)
                    {
                        StartChecks(router, after);
                    }
                }
            }

            string[] retired = [.. retire.Select(r => r.Router.Name)];
            return new VrrpReloadResult(
                kept,
                [.. retired.Where(name => wanted.Any(o => NameOf(o) == name))],
                [.. fresh.Select(r => r.Router.Name).Where(name => !retired.Contains(name))],
                [.. retired.Where(name => !wanted.Any(o => NameOf(o) == name))],
                [.. updates.Select(u => u.Router.Name)]);
        }
        finally
        {
            _applying.Release();
        }
    }

    internal static string NameOf(VirtualRouterOptions options) => options.Name ?? $"VR{options.VirtualRouterId}";

    // Two routers on one virtual MAC interface would take it from each other.
    internal static IEnumerable<string> VirtualMacClashes(IEnumerable<VirtualRouterOptions> routers) =>
        routers.Where(r => r.UseVirtualMac).GroupBy(VirtualMacInterfaceOf, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{string.Join(", ", g.Select(NameOf))}: VirtualMacInterface '{g.Key}' is used more than once; give each router its own.");

    internal static string VirtualMacInterfaceOf(VirtualRouterOptions options) =>
        options.VirtualMacInterface ?? $"{(FamilyOf(options) == AddressFamily.InterNetworkV6 ? "vrrp6" : "vrrp")}.{options.VirtualRouterId}";

    // Exception-safe: a router whose start or whose platform's OnStarted fails is stopped again (OnStopping told)
    // before the exception goes on, so no router runs that the service does not count as started.
    private void Start(VirtualRouter router, VirtualRouterOptions options)
    {
        foreach (IVirtualRouterLifecycle lifecycle in _lifecycles)
        {
            lifecycle.OnStarting(router);
        }

        try
        {
            StartChecks(router, options);
            router.Start();
            foreach (IVirtualRouterLifecycle lifecycle in _lifecycles)
            {
                lifecycle.OnStarted(router);
            }
        }
        catch
        {
            TryQuietly(() => Stop(router));
            throw;
        }
    }

    // The router's Checks, made by the factory of their type and tracked by the router while it runs. A check that
    // cannot be made (an unknown type, a bad target) refuses the router's start, naming the check and what it needs.
    private void StartChecks(VirtualRouter router, VirtualRouterOptions options)
    {
        if (options.Checks.Count == 0)
        {
            return;
        }

        var made = new List<ScheduledHealthCheck>(options.Checks.Count);
        try
        {
            for (int i = 0; i < options.Checks.Count; i++)
            {
                VrrpCheckDefinition definition = options.Checks[i];
                IVrrpCheckFactory? factory = _checkFactories.FirstOrDefault(f => f.Types.Contains(definition.Type, StringComparer.OrdinalIgnoreCase));
                if (factory is null)
                {
                    string known = string.Join(", ", _checkFactories.SelectMany(f => f.Types).Distinct(StringComparer.OrdinalIgnoreCase));
                    throw new VrrpConfigurationException([$"{router.Name}: Checks[{i}].Type must be one of {known} (Command needs AddCommandChecks() from Vrrp.Keepalived); got '{definition.Type}'."]);
                }

                IVrrpHealthCheck check;
                try
                {
                    check = factory.Create(definition);
                }
                catch (ArgumentException ex)
                {
                    throw new VrrpConfigurationException([$"{router.Name}: Checks[{i}].{ex.Message}"]);
                }

                made.Add(new ScheduledHealthCheck(definition.ToScheduledCheckOptions(), check, _time, _logger));
            }
        }
        catch
        {
            foreach (ScheduledHealthCheck check in made)
            {
                _ = check.DisposeAsync().AsTask();
            }

            throw;
        }

        foreach (ScheduledHealthCheck check in made)
        {
            router.AddTrackedCheck(check.Tracked);
            check.Start();
        }

        lock (_configuredChecks)
        {
            _configuredChecks[router] = [.. made];
        }
    }

    private void StopChecks(VirtualRouter router)
    {
        ScheduledHealthCheck[]? checks;
        lock (_configuredChecks)
        {
            _configuredChecks.Remove(router, out checks);
        }

        foreach (ScheduledHealthCheck check in checks ?? [])
        {
            router.RemoveTrackedCheck(check.Tracked);
            _ = check.DisposeAsync().AsTask(); // cancels a run under way; the router no longer hears it
        }
    }

    // Used only while undoing: the exception that made us undo is the one to report.
    private static void TryQuietly(Action action)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // undoing a failed start or reload goes on past a second failure
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void Stop(VirtualRouter router)
    {
        foreach (IVirtualRouterLifecycle lifecycle in _lifecycles)
        {
            lifecycle.OnStopping(router);
        }

        router.Stop();
        StopChecks(router);
    }

    // Stops (gracefully, when it runs) and disposes a router, then lets go of what its transport factory made for it alone.
    private void Retire(VirtualRouter router, VirtualRouterOptions options, bool started)
    {
        if (started)
        {
            Stop(router);
        }

        router.Dispose();
        _transports?.ReleaseTransport(options);
    }

    internal static AddressFamily FamilyOf(VirtualRouterOptions options)
    {
        if (options.VirtualAddresses.Count > 0 && AddressPlacement.TryParse(options.VirtualAddresses[0], out VirtualAddress address, out _, out _))
        {
            return address.Address.Family;
        }

        return options.UnicastPeers.Count > 0 && IPAddress.TryParse(options.UnicastPeers[0], out IPAddress? peer)
            ? peer.AddressFamily
            : AddressFamily.InterNetwork;
    }

    private VirtualRouter[] EnsureRouters()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_routers is not null)
            {
                return _routers;
            }

            IReadOnlyList<string> invalid = DependencyInjection.VrrpOptionsValidator.Check(_options);
            if (invalid.Count > 0)
            {
                throw new VrrpConfigurationException(invalid);
            }

            if (_transports is null && _options.Routers.Count > 0)
            {
                throw new VrrpConfigurationException(["Vrrp: no transport is registered: call UseLinux(), UseInMemoryNetwork(...) or UseUdp(...) on the builder AddVrrp() returns."]);
            }

            var routers = new List<VirtualRouter>(_options.Routers.Count);
            try
            {
                foreach (VirtualRouterOptions options in _options.Routers)
                {
                    IVrrpTransport transport = _transports!.GetTransport(options);
                    routers.Add(new VirtualRouter(options, transport, _addressManager, _announcer, _time, _notifier, _actionRunner));
                }
            }
            catch
            {
                // Every transport made, also that of the router that failed to be made (a no-op for a shared one).
                for (int i = 0; i <= routers.Count && i < _options.Routers.Count; i++)
                {
                    if (i < routers.Count)
                    {
                        routers[i].Dispose();
                    }

                    int index = i;
                    TryQuietly(() => _transports!.ReleaseTransport(_options.Routers[index]));
                }

                throw;
            }

            _routers = [.. routers];
            _applied = [.. _options.Routers];
            return _routers;
        }
    }
}
