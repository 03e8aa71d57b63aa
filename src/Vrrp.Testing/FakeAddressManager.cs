using Vrrp.Addressing;
using Vrrp.Packets;
using Vrrp.Routing;

namespace Vrrp.Testing;

/// <summary>
/// Stands in for the interface of one host: records which virtual addresses it holds, in what order they came and
/// went, the routes and rules it holds, and every gratuitous ARP and unsolicited neighbour advertisement, instead of
/// touching the kernel.
/// </summary>
public sealed class FakeAddressManager : IVirtualAddressManager, IAddressAnnouncer, IVirtualRouteManager
{
    private readonly HashSet<VirtualRoute> _routes = [];
    private readonly HashSet<VirtualRule> _rules = [];

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly HashSet<PackedIPAddress> _held = [];
    private readonly List<AddressEvent> _events = [];

    /// <summary>Initializes a manager.</summary>
    /// <param name="timeProvider">The clock that stamps the events.</param>
    public FakeAddressManager(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// Gets the host whose link carries the announcements to the other hosts (<see cref="InMemoryHost.Watch"/>) and
    /// marks their MAC (<see cref="InMemoryNetwork.TryGetAnnouncedMac"/>); <see langword="null"/>: they are only recorded.
    /// </summary>
    public InMemoryHost? Host { get; init; }

    /// <summary>Gets the number of announcements sent (each repeat of each address counted).</summary>
    public int AnnouncementCount { get; private set; }

    /// <summary>Returns the addresses held now.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlySet<PackedIPAddress> GetHeldAddresses()
    {
        lock (_gate)
        {
            return new HashSet<PackedIPAddress>(_held);
        }
    }

    /// <summary>Tells whether an address is held now.</summary>
    /// <param name="address">The address.</param>
    /// <returns>Whether it is on the interface.</returns>
    public bool Holds(PackedIPAddress address)
    {
        lock (_gate)
        {
            return _held.Contains(address);
        }
    }

    /// <summary>Gets a value indicating whether any address is held.</summary>
    public bool HoldsAny
    {
        get
        {
            lock (_gate)
            {
                return _held.Count > 0;
            }
        }
    }

    /// <summary>Returns the routes held now (<see cref="VirtualRouterOptions.VirtualRoutes"/> of the masters).</summary>
    /// <returns>A copy.</returns>
    public IReadOnlySet<VirtualRoute> GetHeldRoutes()
    {
        lock (_gate)
        {
            return new HashSet<VirtualRoute>(_routes);
        }
    }

    /// <summary>Returns the rules held now (<see cref="VirtualRouterOptions.VirtualRules"/> of the masters).</summary>
    /// <returns>A copy.</returns>
    public IReadOnlySet<VirtualRule> GetHeldRules()
    {
        lock (_gate)
        {
            return new HashSet<VirtualRule>(_rules);
        }
    }

    /// <inheritdoc/>
    public void AddRoutes(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            _routes.UnionWith(router.VirtualRoutes);
            _rules.UnionWith(router.VirtualRules);
            _events.Add(new AddressEvent(_time.GetUtcNow(), router.Name, router.VirtualRouterId, AddressEventKind.RoutesAdded, [], 0));
        }
    }

    /// <inheritdoc/>
    public void RemoveRoutes(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            _routes.ExceptWith(router.VirtualRoutes);
            _rules.ExceptWith(router.VirtualRules);
            _events.Add(new AddressEvent(_time.GetUtcNow(), router.Name, router.VirtualRouterId, AddressEventKind.RoutesRemoved, [], 0));
        }
    }

    /// <summary>Returns every recorded event, oldest first.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<AddressEvent> GetEvents()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    /// <summary>
    /// Forgets the events recorded so far, keeping the addresses held and <see cref="AnnouncementCount"/>: for long
    /// runs, whose event list would otherwise grow with every transition and announcement.
    /// </summary>
    public void ClearEvents()
    {
        lock (_gate)
        {
            _events.Clear();
        }
    }

    /// <summary>Removes every address, route and rule, as a restarted host's cleanup of a crashed process's leftovers does.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _held.Clear();
            _routes.Clear();
            _rules.Clear();
        }
    }

    /// <inheritdoc/>
    public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_gate)
        {
            foreach (VirtualAddress address in addresses)
            {
                _held.Add(address.Address);
            }

            _events.Add(new AddressEvent(_time.GetUtcNow(), router.Name, router.VirtualRouterId, AddressEventKind.Added, addresses, 0));
        }
    }

    /// <inheritdoc/>
    public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_gate)
        {
            foreach (VirtualAddress address in addresses)
            {
                _held.Remove(address.Address);
            }

            _events.Add(new AddressEvent(_time.GetUtcNow(), router.Name, router.VirtualRouterId, AddressEventKind.Removed, addresses, 0));
        }
    }

    /// <inheritdoc/>
    public void Announce(VirtualRouter router, int repeat)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            AnnouncementCount += repeat * router.HeldAddresses.Count;
            _events.Add(new AddressEvent(_time.GetUtcNow(), router.Name, router.VirtualRouterId, AddressEventKind.Announced, router.HeldAddresses, repeat));
        }

        if (Host is { } host)
        {
            IReadOnlyList<VirtualAddress> addresses = router.HeldAddresses;
            for (int i = 0; i < addresses.Count; i++)
            {
                for (int r = 0; r < repeat; r++)
                {
                    host.Network.Announce(host, router.AnnouncementMac, addresses[i].Address);
                }
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Recorded as <see cref="AddressEventKind.AnnouncedOnOtherInterfaces"/>; nothing reaches the in-memory network, which has one link.</remarks>
    public void AnnounceOnTheirInterfaces(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_gate)
        {
            AnnouncementCount += addresses.Count;
            _events.Add(new AddressEvent(_time.GetUtcNow(), router.Name, router.VirtualRouterId, AddressEventKind.AnnouncedOnOtherInterfaces, addresses, 1));
        }
    }
}
