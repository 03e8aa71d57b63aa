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

    /// <summary>Raised when the kernel refused a route or rule of a router, or an equal one that is not ours is there. Raised on the thread that asked.</summary>
    public event EventHandler<RouteRequestFailedEventArgs>? RouteRequestFailed;

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
                int index = route.Device is null ? 0 : IndexOf(route.Device);
                if (route.Device is null || index > 0)
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
            if (errno == Errno.EEXIST && RouteRequest(NetlinkRouteMessage.RTM_DELROUTE, route, index) == 0)
            {
                errno = RouteRequest(NetlinkRouteMessage.RTM_NEWROUTE, route, index); // it was ours, from a crash
            }

            return errno;
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
            return errno == Errno.EEXIST ? 0 : errno;
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
            int errno = RuleRequest(NetlinkRouteMessage.RTM_DELRULE, rule);
            return errno is Errno.ENOENT or Errno.ESRCH ? 0 : errno;
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
        uint sequence = ++_sequence;
        int length = NetlinkRouteMessage.WriteRoute(_request, type, sequence, route, index);
        return Exchange(length, sequence, $"route {route}");
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
