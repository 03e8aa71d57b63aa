using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Vrrp.Addressing;
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
/// <see cref="TimeProvider"/> (or none, none, none and the system clock).
/// </remarks>
public sealed class VrrpService : IHostedService, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly VrrpOptions _options;
    private readonly IVrrpTransportFactory? _transports;
    private readonly IVirtualAddressManager _addressManager;
    private readonly IAddressAnnouncer _announcer;
    private readonly TimeProvider _time;
    private readonly IVrrpNotifier? _notifier;
    private readonly VrrpActionRunner? _actionRunner;
    private VirtualRouter[]? _routers;
    private bool _disposed;

    internal VrrpService(
        VrrpOptions options,
        IVrrpTransportFactory? transports,
        IVirtualAddressManager? addressManager,
        IAddressAnnouncer? announcer,
        TimeProvider? timeProvider,
        IVrrpNotifier? notifier,
        VrrpActionRunner? actionRunner = null)
    {
        _actionRunner = actionRunner;
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
    /// <param name="cancellationToken">Not used: starting does not wait.</param>
    /// <returns>A completed task.</returns>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        VirtualRouter[] routers = EnsureRouters();
        int started = 0;
        try
        {
            for (; started < routers.Length; started++)
            {
                routers[started].Start();
            }
        }
        catch
        {
            for (int i = 0; i < started; i++)
            {
                routers[i].Stop();
            }

            throw;
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops every router gracefully: a master sends priority 0, so a backup takes over after Skew_Time, and removes its addresses.</summary>
    /// <param name="cancellationToken">Not used: stopping does not wait.</param>
    /// <returns>A completed task.</returns>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        VirtualRouter[]? routers;
        lock (_gate)
        {
            routers = _routers;
        }

        foreach (VirtualRouter router in routers ?? [])
        {
            router.Stop();
        }

        return Task.CompletedTask;
    }

    /// <summary>Disposes the routers (stopping any still running); the transports belong to their factory.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        VirtualRouter[] routers;
        lock (_gate)
        {
            _disposed = true;
            routers = _routers ?? [];
        }

        // Outside the lock: Dispose waits for the router's actions, and a handler among them may ask for a router.
        foreach (VirtualRouter router in routers)
        {
            router.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    internal static string NameOf(VirtualRouterOptions options) => options.Name ?? $"VR{options.VirtualRouterId}";

    internal static AddressFamily FamilyOf(VirtualRouterOptions options)
    {
        if (options.VirtualAddresses.Count > 0 && VirtualAddress.TryParse(options.VirtualAddresses[0], out VirtualAddress address))
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

            if (_transports is null && _options.Routers.Count > 0)
            {
                throw new VrrpConfigurationException(["Vrrp: no transport is registered: call UseLinux(), UseInMemoryNetwork(...) or UseUdp(...) on the builder AddVrrp() returns."]);
            }

            var routers = new List<VirtualRouter>(_options.Routers.Count);
            try
            {
                foreach (VirtualRouterOptions options in _options.Routers)
                {
                    IVrrpTransport transport = _transports!.GetTransport(options.Interface, FamilyOf(options));
                    routers.Add(new VirtualRouter(options, transport, _addressManager, _announcer, _time, _notifier, _actionRunner));
                }
            }
            catch
            {
                routers.ForEach(r => r.Dispose());
                throw;
            }

            _routers = [.. routers];
            return _routers;
        }
    }
}
