using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Vrrp;
using Vrrp.Addressing;
using Vrrp.Diagnostics;
using Vrrp.Health;
using Vrrp.Linux.Announcements;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Sockets;
using Vrrp.Linux.Timing;
using Vrrp.Notifications;
using Vrrp.Transport;

namespace VrrpDaemon;

/// <summary>
/// Runs a plan on this host's interfaces: transports shared per interface and family, routers, their health checks,
/// sync groups and notifications. <see cref="Apply"/> again on reload: what did not change keeps running untouched.
/// </summary>
internal sealed class RouterHost : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly Action<string> _log;
    private readonly NetlinkAddressManager _addresses = new();
    private readonly MacvlanManager _macvlans = new();
    private readonly Dictionary<string, (string Link, IVrrpTransport Transport)> _virtualMacs = new(StringComparer.Ordinal);
    private readonly LinkMonitor _links = new();
    private readonly PreciseTimeProvider _time = new(); // timers within ~0.2 ms of due, not the system's 2–7 ms
    private readonly ConcurrentDictionary<string, LinuxInterface> _interfaces = new();
    private readonly Dictionary<(string Interface, AddressFamily Family), IVrrpTransport> _transports = [];
    private readonly PacketSocketAnnouncer _announcer;
    private readonly VrrpMetrics _metrics = new();
    private readonly VirtualRouterLogger _routerLog;
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (CheckPlan Plan, ScheduledHealthCheck Check)> _checks = new(StringComparer.Ordinal);
    private readonly List<VrrpSyncGroup> _groups = [];
    private VrrpNotificationDispatcher? _notify;
    private List<IDisposable> _attachments = [];

    public RouterHost(ILoggerFactory loggers, Action<string> log)
    {
        _loggers = loggers;
        _log = log;
        _routerLog = new VirtualRouterLogger(loggers.CreateLogger("Vrrp.Router"), _time);
        _announcer = new PacketSocketAnnouncer(name => _interfaces.TryGetValue(name, out LinuxInterface? i) ? (i.Index, i.IPv6LinkLocal) : (0, default));
        _addresses.AddressRestored += (_, address) => _log($"{address} was removed from outside while master: put back");
    }

    /// <summary>Gets the routers running now.</summary>
    public IReadOnlyCollection<VirtualRouter> Routers
    {
        get
        {
            lock (_running)
            {
                return [.. _running.Values.Select(r => r.Router)];
            }
        }
    }

    public async Task ApplyAsync(DaemonPlan plan)
    {
        // Checks first: a router restarts when a check it tracks changed, as its fingerprint says so.
        foreach ((string key, (CheckPlan old, ScheduledHealthCheck check)) in _checks.ToList())
        {
            if (!plan.Checks.TryGetValue(key, out CheckPlan? wanted) || wanted.Fingerprint != old.Fingerprint)
            {
                await check.DisposeAsync();
                _checks.Remove(key);
            }
        }

        foreach ((string key, CheckPlan wanted) in plan.Checks)
        {
            if (!_checks.ContainsKey(key))
            {
                IReadOnlyList<string> errors = wanted.Options.Validate();
                if (errors.Count > 0)
                {
                    throw new VrrpConfigurationException(errors);
                }

                _checks[key] = (wanted, new ScheduledHealthCheck(wanted.Options, wanted.Create(), _time, _loggers.CreateLogger("Vrrp.Health")));
            }
        }

        foreach (string name in _running.Keys.ToList())
        {
            if (plan.Routers.FirstOrDefault(r => r.Name == name) is not { } wanted || wanted.Fingerprint != _running[name].Plan.Fingerprint)
            {
                _log($"{name}: configuration changed or removed, stopping it");
                StopRouter(name);
            }
        }

        var started = new List<VirtualRouter>();
        foreach (RouterPlan wanted in plan.Routers)
        {
            if (_running.ContainsKey(wanted.Name))
            {
                continue; // unchanged: keeps its state, no failover
            }

            VirtualRouterOptions options = wanted.Options;
            options.TrackedChecks.Clear();
            foreach (TrackPlan track in wanted.Tracks)
            {
                options.TrackedChecks.Add(_checks[track.CheckKey].Check.CreateTracked(track.Weight));
            }

            string parent = options.Interface;
            IVrrpTransport transport = options.UseVirtualMac ? VirtualMacTransportFor(wanted, plan) : TransportFor(options, plan);
            VirtualRouter router;
            try
            {
                router = new VirtualRouter(options, transport, _addresses, _announcer, _time);
            }
            catch
            {
                RemoveVirtualMac(wanted.Name); // a router that cannot be made must not leave its macvlan behind
                throw;
            }

            // Addresses a crashed run left behind: a router that starts is not master, so it must not hold them.
            foreach (VirtualAddress address in router.VirtualAddresses)
            {
                _addresses.Remove(parent, address);
                if (options.UseVirtualMac)
                {
                    _addresses.Remove(options.Interface, address);
                }
            }

            string name = wanted.Name;
            router.StateChanged += (_, change) => _log($"{name}: {change.From} -> {change.To} ({change.Reason}, priority {change.Priority})");
            _metrics.Track(router);
            lock (_running)
            {
                _running[name] = new Running(wanted, router, _routerLog.Attach(router));
            }

            _links.Track(_interfaces[parent].Index, router); // a macvlan goes down with its parent: track the parent
            started.Add(router);
        }

        // Notifications are rebuilt whole: a dispatcher takes its scripts before it hears a first change.
        await RebuildNotificationsAsync(plan);
        foreach ((CheckPlan _, ScheduledHealthCheck check) in _checks.Values)
        {
            check.Start();
        }

        foreach (VirtualRouter router in started)
        {
            router.Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (string name in _running.Keys.ToList())
        {
            StopRouter(name); // graceful: a master sends priority 0 and removes its addresses
        }

        foreach (string name in _virtualMacs.Keys.ToList())
        {
            RemoveVirtualMac(name); // a router that failed to start after its macvlan was made
        }

        foreach (VrrpSyncGroup group in _groups)
        {
            group.Dispose();
        }

        if (_notify is not null)
        {
            using var flush = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _notify.FlushAsync(flush.Token); // lets notify_stop run
            }
            catch (OperationCanceledException)
            {
                _log("notify scripts still running after 10 s: not waiting for them");
            }

            await _notify.DisposeAsync();
        }

        foreach ((CheckPlan _, ScheduledHealthCheck check) in _checks.Values)
        {
            await check.DisposeAsync();
        }

        foreach (IVrrpTransport transport in _transports.Values)
        {
            (transport as IDisposable)?.Dispose();
        }

        _metrics.Dispose();
        _announcer.Dispose();
        _links.Dispose();
        _macvlans.Dispose();
        _addresses.Dispose();
        _time.Dispose();
    }

    private async Task RebuildNotificationsAsync(DaemonPlan plan)
    {
        var notify = new VrrpNotificationDispatcher(_time, _loggers.CreateLogger("Vrrp.Notify"), _metrics);
        foreach (RouterPlan router in plan.Routers)
        {
            if (router.Notify is not null)
            {
                notify.AddNotifyScripts(router.Name, router.Notify);
            }
        }

        foreach (SyncGroupPlan group in plan.SyncGroups)
        {
            if (group.Notify is not null)
            {
                notify.AddNotifyScripts(group.Name, group.Notify);
            }
        }

        if (plan.NotifyFifo is not null)
        {
            notify.AddNotifyFifo(plan.NotifyFifo);
        }

        if (plan.StateFile is not null)
        {
            notify.AddStateFile(plan.StateFile);
        }

        foreach (IDisposable attachment in _attachments)
        {
            attachment.Dispose();
        }

        foreach (VrrpSyncGroup group in _groups)
        {
            group.Dispose();
        }

        _groups.Clear();
        var attachments = new List<IDisposable>();
        foreach (Running running in _running.Values)
        {
            attachments.Add(notify.Attach(running.Router));
        }

        foreach (SyncGroupPlan wanted in plan.SyncGroups)
        {
            var group = new VrrpSyncGroup(wanted.Name, wanted.Members.Select(m => _running[m].Router), _time);
            _groups.Add(group);
            attachments.Add(notify.Attach(group));
        }

        VrrpNotificationDispatcher? old = _notify;
        (_notify, _attachments) = (notify, attachments);
        if (old is not null)
        {
            await old.FlushAsync();
            await old.DisposeAsync();
        }
    }

    private void StopRouter(string name)
    {
        Running running = _running[name];
        _links.Untrack(running.Router);
        running.Router.Dispose();
        RemoveVirtualMac(name);
        running.LogAttachment.Dispose();
        _metrics.Untrack(running.Router);
        lock (_running)
        {
            _running.Remove(name);
        }
    }

    private IVrrpTransport TransportFor(VirtualRouterOptions options, DaemonPlan plan)
    {
        AddressFamily family = VirtualAddress.Parse(options.VirtualAddresses[0]).Address.Family;
        if (!_transports.TryGetValue((options.Interface, family), out IVrrpTransport? transport))
        {
            transport = Open(InterfaceFor(options.Interface, plan), family);
            _transports[(options.Interface, family)] = transport;
        }

        return transport;
    }

    // Virtual MAC mode (keepalived's use_vmac): the router gets a macvlan of its own with the virtual router MAC. Its
    // addresses live there and its adverts and announcements leave from there, so their source MAC is the virtual MAC;
    // it also receives there, because a private macvlan takes the frames whose source MAC is its own (a peer's adverts
    // in virtual MAC mode) away from the parent. The adverts keep the parent's primary IPv4 as source address.
    private IVrrpTransport VirtualMacTransportFor(RouterPlan wanted, DaemonPlan plan)
    {
        VirtualRouterOptions options = wanted.Options;
        AddressFamily family = VirtualAddress.Parse(options.VirtualAddresses[0]).Address.Family;
        LinuxInterface parent = InterfaceFor(options.Interface, plan);
        string link = wanted.VirtualMacInterface ?? MacvlanManager.DefaultName(family, (byte)options.VirtualRouterId);
        LinuxInterface macvlan = _macvlans.Create(link, parent, family, (byte)options.VirtualRouterId);
        _log($"{wanted.Name}: virtual MAC {macvlan.Mac} on {link} (macvlan on {parent.Name})");
        _interfaces[link] = macvlan;
        IVrrpTransport transport;
        try
        {
            transport = Open(macvlan, family);
        }
        catch
        {
            _macvlans.Remove(link);
            throw;
        }

        _virtualMacs[wanted.Name] = (link, transport);
        options.Interface = link; // the router's addresses and announcements go on the macvlan
        return transport;
    }

    private void RemoveVirtualMac(string name)
    {
        if (_virtualMacs.Remove(name, out var virtualMac))
        {
            (virtualMac.Transport as IDisposable)?.Dispose();
            _interfaces.TryRemove(virtualMac.Link, out _);
            _macvlans.Remove(virtualMac.Link);
        }
    }

    private LinuxInterface InterfaceFor(string name, DaemonPlan plan)
    {
        if (!_interfaces.TryGetValue(name, out LinuxInterface? found))
        {
            // The configured virtual addresses may be on the interface already (a crashed run): never take one as primary.
            var excluded = plan.Routers.SelectMany(r => r.Options.VirtualAddresses).Select(a => VirtualAddress.Parse(a).Address).ToList();
            _interfaces[name] = found = LinuxInterface.Find(name, excluded);
        }

        return found;
    }

    private static IVrrpTransport Open(LinuxInterface networkInterface, AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? RawIPv6Transport.Open(networkInterface) : RawIPv4Transport.Open(networkInterface);

    private sealed record Running(RouterPlan Plan, VirtualRouter Router, IDisposable LogAttachment);
}
