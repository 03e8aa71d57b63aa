using Vrrp.Linux.Interop;
using Vrrp.Routing;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Virtual routes and rules, on the address manager's netlink socket and lock, in the order the router asks: they
/// follow the addresses they may depend on. Only what this manager added is removed; a leftover of a crashed run is
/// told from an administrator's route by its protocol (ours), which every delete names.
/// </summary>
public sealed partial class NetlinkAddressManager : IVirtualRouteManager
{
    // What each router's AddRoutes put in place (by reference: a restarted router is a new object): what RemoveRoutes takes away.
    private readonly Dictionary<VirtualRouter, (List<(VirtualRoute Route, int Index)> Routes, List<VirtualRule> Rules)> _heldRoutes = new(ReferenceEqualityComparer.Instance);

    // keepalived's static_routes and static_rules this manager added: put back like a master's when deleted from outside.
    private readonly List<VirtualRoute> _staticRoutes = [];
    private readonly List<VirtualRule> _staticRules = [];
    private long _routesRestored;

    /// <summary>Raised when the kernel refused a route or rule of a router, or an equal one that is not ours is there. Raised on the thread that asked.</summary>
    public event EventHandler<RouteRequestFailedEventArgs>? RouteRequestFailed;

    /// <summary>
    /// Raised when a route or rule this manager holds (a master's, or a static one) was deleted from outside, by an
    /// administrator or by the kernel with the address it used, and has been put back; the argument names it. Raised on
    /// the watcher's thread. keepalived makes the master leave and take over again instead, which puts it back too.
    /// </summary>
    public event EventHandler<string>? RouteRestored;

    /// <summary>Gets how many times a route or rule deleted from outside was put back.</summary>
    public long RoutesRestored => Interlocked.Read(ref _routesRestored);

    /// <inheritdoc/>
    public void AddRoutes(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        var failures = new List<RouteRequestFailedEventArgs>();
        lock (_gate)
        {
            if (!_heldRoutes.TryGetValue(router, out var held))
            {
                held = ([], []);
                _heldRoutes[router] = held;
            }

            foreach (VirtualRoute route in router.VirtualRoutes)
            {
                if (held.Routes.Exists(h => h.Route == route))
                {
                    continue;
                }

                int index = route.Device is null ? 0 : IndexOf(route.Device);
                int errno = route.Device is not null && index <= 0
                    ? Errno.ENODEV
                    : RouteRequest(NetlinkRouteMessage.RTM_NEWROUTE, route, index);
                if (errno == 0)
                {
                    held.Routes.Add((route, index));
                }
                else
                {
                    failures.Add(new RouteRequestFailedEventArgs(router.Name, $"route {route}", adding: true, errno));
                }
            }

            foreach (VirtualRule rule in router.VirtualRules)
            {
                if (held.Rules.Contains(rule))
                {
                    continue;
                }

                int errno = RuleRequest(NetlinkRouteMessage.RTM_NEWRULE, rule);
                if (errno == 0)
                {
                    held.Rules.Add(rule);
                }
                else
                {
                    failures.Add(new RouteRequestFailedEventArgs(router.Name, $"rule {rule}", adding: true, errno));
                }
            }
        }

        Report(failures);
    }

    /// <inheritdoc/>
    public void RemoveRoutes(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        var failures = new List<RouteRequestFailedEventArgs>();
        lock (_gate)
        {
            if (!_heldRoutes.Remove(router, out var held))
            {
                return;
            }

            foreach (VirtualRule rule in held.Rules)
            {
                int errno = RuleRequest(NetlinkRouteMessage.RTM_DELRULE, rule);
                if (errno is not (0 or Errno.ENOENT or Errno.ESRCH))
                {
                    failures.Add(new RouteRequestFailedEventArgs(router.Name, $"rule {rule}", adding: false, errno));
                }
            }

            foreach ((VirtualRoute route, int index) in held.Routes)
            {
                int errno = RouteRequest(NetlinkRouteMessage.RTM_DELROUTE, route, index);
                if (errno is not (0 or Errno.ENOENT or Errno.ESRCH or Errno.ENODEV))
                {
                    failures.Add(new RouteRequestFailedEventArgs(router.Name, $"route {route}", adding: false, errno));
                }
            }
        }

        Report(failures);
    }

    /// <summary>
    /// Removes the router's routes and rules that carry our protocol: what a crashed run left (a router that starts is
    /// not master). An administrator's equal route or rule has another protocol and is left alone by the kernel.
    /// </summary>
    internal void RemoveLeftoverRoutes(VirtualRouter router)
    {
        lock (_gate)
        {
            foreach (VirtualRule rule in router.VirtualRules)
            {
                while (RuleRequest(NetlinkRouteMessage.RTM_DELRULE, rule) == 0)
                {
                    // a rule of ours left twice (two crashed runs) goes too
                }
            }

            foreach (VirtualRoute route in router.VirtualRoutes)
            {
                // Only a route that carries our protocol: one of another protocol (a no_track route's own) cannot be
                // told from another program's equal route, and the kernel would delete that one.
                int index = route.Device is null ? 0 : IndexOf(route.Device);
                if (IsMarkedOurs(route) && (route.Device is null || index > 0))
                {
                    RouteRequest(NetlinkRouteMessage.RTM_DELROUTE, route, index);
                }
            }
        }
    }

    /// <summary>
    /// Adds a route held apart from any router (keepalived's <c>static_routes</c>), marked ours. An equal route an
    /// earlier run left (ours) is replaced; an equal one that is not ours is left alone.
    /// </summary>
    /// <remarks>Asked to add first: only when an equal route is there is ours (our protocol, which the kernel matches on delete) removed and the route added again.</remarks>
    /// <param name="route">The route.</param>
    /// <returns>0, <c>EEXIST</c> (17) when an equal route that is not ours is there, or the errno the kernel answered.</returns>
    public int AddStaticRoute(VirtualRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        lock (_gate)
        {
            int index = route.Device is null ? 0 : IndexOf(route.Device);
            if (route.Device is not null && index <= 0)
            {
                return Errno.ENODEV;
            }

            int errno = RouteRequest(NetlinkRouteMessage.RTM_NEWROUTE, route, index);
            if (errno == Errno.EEXIST && IsMarkedOurs(route) && RouteRequest(NetlinkRouteMessage.RTM_DELROUTE, route, index) == 0)
            {
                errno = RouteRequest(NetlinkRouteMessage.RTM_NEWROUTE, route, index); // it was ours, from a crash
            }

            if (errno == 0 && !_staticRoutes.Contains(route))
            {
                _staticRoutes.Add(route);
            }

            return errno;
        }
    }

    /// <summary>
    /// Adds a static route again when it is missing, as keepalived's <c>reinstate_static_route</c> when the route's link
    /// comes back up: one that is there is left as it is, never deleted and added again.
    /// </summary>
    /// <param name="route">The route.</param>
    /// <returns>Whether it was missing and is back.</returns>
    public bool ReinstateStaticRoute(VirtualRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        lock (_gate)
        {
            bool added = PutBack(route, out _);
            if (added && !_staticRoutes.Contains(route))
            {
                _staticRoutes.Add(route);
            }

            return added;
        }
    }

    /// <summary>Removes a route <see cref="AddStaticRoute"/> added: only ours (our protocol); one that is not there is not an error.</summary>
    /// <param name="route">The route.</param>
    /// <returns>0, or the errno the kernel answered.</returns>
    public int RemoveStaticRoute(VirtualRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        lock (_gate)
        {
            _staticRoutes.Remove(route); // first: the watcher must not put back what is being removed
            int index = route.Device is null ? 0 : IndexOf(route.Device);
            if (route.Device is not null && index <= 0)
            {
                return 0; // its interface is gone, and the route with it
            }

            int errno = RouteRequest(NetlinkRouteMessage.RTM_DELROUTE, route, index);
            return errno is Errno.ENOENT or Errno.ESRCH ? 0 : errno;
        }
    }

    /// <summary>
    /// Adds a rule held apart from any router (keepalived's <c>static_rules</c>), marked ours. An identical rule of ours
    /// (an earlier run's) is kept as it is: the kernel answers EEXIST only when every field, protocol included, is equal.
    /// Never deleted first: a delete matches any rule whose given fields agree, a router's too.
    /// </summary>
    /// <param name="rule">The rule.</param>
    /// <returns>0, <c>EEXIST</c> (17) when an equal rule that is not ours is there, or the errno the kernel answered.</returns>
    public int AddStaticRule(VirtualRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            int errno = RuleRequest(NetlinkRouteMessage.RTM_NEWRULE, rule);
            errno = errno == Errno.EEXIST ? 0 : errno;
            if (errno == 0 && !_staticRules.Contains(rule))
            {
                _staticRules.Add(rule);
            }

            return errno;
        }
    }

    /// <summary>Removes a rule <see cref="AddStaticRule"/> added: only ours; one that is not there is not an error.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>0, or the errno the kernel answered.</returns>
    public int RemoveStaticRule(VirtualRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            _staticRules.Remove(rule);
            int errno = RuleRequest(NetlinkRouteMessage.RTM_DELRULE, rule);
            return errno is Errno.ENOENT or Errno.ESRCH ? 0 : errno;
        }
    }

    // The watcher saw a route of ours deleted: put back each held one it may have been (same family, destination,
    // prefix length and table). One still there answers EEXIST and stays as it is. Our own removals (a master leaving)
    // come here too, after the router let go of its routes: nothing then matches, and nothing is allocated.
    private void OnRouteDeleted(System.Net.Sockets.AddressFamily family, Vrrp.Packets.PackedIPAddress destination, byte prefixLength, uint table) =>
        PutBackRoutes(all: false, family, destination, prefixLength, table);

    private void OnRuleDeleted(System.Net.Sockets.AddressFamily family, uint? priority) => PutBackRules(all: false, family, priority);

    // Events were lost: whatever may have gone is put back.
    private void OnRouteEventsLost()
    {
        PutBackRoutes(all: true, default, default, 0, 0);
        PutBackRules(all: true, default, null);
    }

    private void PutBackRoutes(bool all, System.Net.Sockets.AddressFamily family, Vrrp.Packets.PackedIPAddress destination, byte prefixLength, uint table)
    {
        List<string>? restored = null;
        lock (_gate)
        {
            // Asked under the lock: a router that gave its routes up meanwhile (it left Master) holds them no more.
            foreach ((List<(VirtualRoute Route, int Index)> routes, _) in _heldRoutes.Values)
            {
                for (int i = 0; i < routes.Count; i++)
                {
                    // Held with the index it is now on: a link made again since has another, which the delete must name.
                    if (PutBackIfDeleted(routes[i].Route) is int index)
                    {
                        routes[i] = (routes[i].Route, index);
                    }
                }
            }

            foreach (VirtualRoute route in _staticRoutes)
            {
                PutBackIfDeleted(route);
            }
        }

        RaiseRouteRestored(restored);

        // Only a tracked route, as keepalived's netlink_route_filter: not no_track, and with a dev (keepalived tracks no
        // route without one). The kernel masks an IPv6 destination: compared as networks.
        int? PutBackIfDeleted(VirtualRoute route)
        {
            bool matches = !route.NoTrack && route.Device is not null
                && (all || (route.Family == family && route.PrefixLength == prefixLength && route.Table == table
                    && SameNetwork(route.Destination, destination, prefixLength)));
            if (matches && PutBack(route, out int index))
            {
                (restored ??= []).Add($"route {route}");
                return index;
            }

            return null;
        }
    }

    private void PutBackRules(bool all, System.Net.Sockets.AddressFamily family, uint? priority)
    {
        List<string>? restored = null;
        lock (_gate)
        {
            foreach ((_, List<VirtualRule> rules) in _heldRoutes.Values)
            {
                foreach (VirtualRule rule in rules)
                {
                    PutBackIfDeleted(rule);
                }
            }

            foreach (VirtualRule rule in _staticRules)
            {
                PutBackIfDeleted(rule);
            }
        }

        RaiseRouteRestored(restored);

        void PutBackIfDeleted(VirtualRule rule)
        {
            // Not no_track (keepalived's netlink_rule_filter), and with the priority an event names: one the kernel
            // numbered would come back with another number beside the first.
            if (!rule.NoTrack && rule.Priority is not null && (all || (rule.Family == family && rule.Priority == priority)) && PutBack(rule))
            {
                (restored ??= []).Add($"rule {rule}");
            }
        }
    }

    private void RaiseRouteRestored(List<string>? restored)
    {
        foreach (string what in restored ?? [])
        {
            Interlocked.Increment(ref _routesRestored);
            RouteRestored?.Invoke(this, what);
        }
    }

    // A quiet add: a route through a link that is down, or whose source address is not back yet, is refused and left
    // to the link's or the address's return. Called under _gate.
    private bool PutBack(VirtualRoute route, out int index)
    {
        index = route.Device is null ? 0 : IndexOf(route.Device);
        if (route.Device is not null && index <= 0)
        {
            return false;
        }

        Span<int> hops = stackalloc int[route.NextHops.Count]; // at most VirtualRoute.MaxNextHops
        if (!HopsOfItsFamily(route) || !TryHopIndexes(route, hops))
        {
            return false;
        }

        uint sequence = ++_sequence;
        return Quietly(NetlinkRouteMessage.WriteRoute(_request, NetlinkRouteMessage.RTM_NEWROUTE, sequence, route, index, hops), sequence);
    }

    private bool PutBack(VirtualRule rule)
    {
        uint sequence = ++_sequence;
        return Quietly(NetlinkRouteMessage.WriteRule(_request, NetlinkRouteMessage.RTM_NEWRULE, sequence, rule), sequence);
    }

    private bool Quietly(int length, uint sequence)
    {
        try
        {
            return NetlinkAddressMessage.Exchange(_socket, _request.AsSpan(0, length), _response, sequence) == 0;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private void Report(List<RouteRequestFailedEventArgs> failures)
    {
        foreach (RouteRequestFailedEventArgs failure in failures)
        {
            RouteRequestFailed?.Invoke(this, failure);
        }
    }

    // One request and its acknowledgement: 0 or the errno. Called under _gate.
    private int RouteRequest(ushort type, VirtualRoute route, int index)
    {
        if (!HopsOfItsFamily(route))
        {
            return Errno.EINVAL; // a path the parser would have refused: never a request with another family's bytes
        }

        Span<int> hops = stackalloc int[route.NextHops.Count]; // at most VirtualRoute.MaxNextHops
        if (!TryHopIndexes(route, hops) && type == NetlinkRouteMessage.RTM_NEWROUTE)
        {
            return Errno.ENODEV; // a path's interface is missing (on a delete, the path goes without its index)
        }

        uint sequence = ++_sequence;
        int length = NetlinkRouteMessage.WriteRoute(_request, type, sequence, route, index, hops);
        return Exchange(length, sequence, $"route {route}");
    }

    // Whether a delete of the route can only match ours: it carries our protocol (no other protocol named).
    private static bool IsMarkedOurs(VirtualRoute route) => route.Protocol is null or NetlinkAddressMessage.VrrpProtocol;

    private static bool HopsOfItsFamily(VirtualRoute route)
    {
        foreach (RouteNextHop hop in route.NextHops)
        {
            if (hop.Gateway.Length != 0 && hop.Gateway.Family != route.Family)
            {
                return false;
            }
        }

        return true;
    }

    // Each path's dev by index, 0 where none is named; false when one named is missing.
    private static bool TryHopIndexes(VirtualRoute route, Span<int> indexes)
    {
        bool all = true;

        for (int i = 0; i < indexes.Length; i++)
        {
            indexes[i] = route.NextHops[i].Device is { } device ? Math.Max(IndexOf(device), 0) : 0;
            all &= route.NextHops[i].Device is null || indexes[i] > 0;
        }

        return all;
    }

    private int RuleRequest(ushort type, VirtualRule rule)
    {
        uint sequence = ++_sequence;
        int length = NetlinkRouteMessage.WriteRule(_request, type, sequence, rule);
        return Exchange(length, sequence, $"rule {rule}");
    }

    private int Exchange(int length, uint sequence, string what)
    {
        try
        {
            int errno = NetlinkAddressMessage.Exchange(_socket, _request.AsSpan(0, length), _response, sequence);
            if (errno is not (0 or Errno.EEXIST or Errno.ENOENT or Errno.ESRCH))
            {
                Fail($"netlink request for {what}", errno);
            }

            return errno;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Fail($"netlink request for {what}: {e.Message}", e.ErrorCode);
            return Errno.EIO;
        }
    }
}
