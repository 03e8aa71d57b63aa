using Vrrp.Addressing;
using Vrrp.Linux.Links;
using Vrrp.Linux.Netlink;
using Vrrp.Routing;

namespace VrrpDaemon;

/// <summary>
/// keepalived's <c>static_ipaddress</c>, <c>static_routes</c> and <c>static_rules</c>: added when the configuration is
/// applied, whatever the routers' states, and removed when vrrpd stops or a reload drops them, as keepalived does. They
/// are marked ours like the routers' (an address deleted from outside is put back; a crash's are replaced at the next
/// start), and one that is already there and not ours is left alone, with a warning, and never removed. A route through
/// a link that went down (the kernel takes it away with the link) is put back when the link comes up, unless no_track,
/// as keepalived's interface_up does.
/// </summary>
internal sealed class StaticEntries(NetlinkAddressManager manager, LinkMonitor links, Action<string> log)
{
    private readonly HashSet<string> _addresses = new(StringComparer.Ordinal);
    private readonly HashSet<string> _routes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InterfaceLinkHealthCheck> _routeLinks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new(); // Apply (a reload) against a link coming up

    /// <summary>Holds exactly these: removes what is held and no longer wanted (rules first), then adds the new (addresses first).</summary>
    public void Apply(IReadOnlyList<string> addresses, IReadOnlyList<string> routes, IReadOnlyList<string> rules)
    {
        lock (_gate)
        {
            // The links first: one coming up while the routes are added puts back what its being down refused.
            Wanted = (addresses, routes, rules);
            FollowRouteLinks();
            ApplyHeld(addresses, routes, rules);
        }
    }

    private void ApplyHeld(IReadOnlyList<string> addresses, IReadOnlyList<string> routes, IReadOnlyList<string> rules)
    {
        foreach (string rule in _rules.Except(rules, StringComparer.Ordinal).ToList())
        {
            RemoveRule(rule);
        }

        foreach (string route in _routes.Except(routes, StringComparer.Ordinal).ToList())
        {
            RemoveRoute(route);
        }

        foreach (string address in _addresses.Except(addresses, StringComparer.Ordinal).ToList())
        {
            RemoveAddress(address);
        }

        foreach (string entry in addresses.Where(a => !_addresses.Contains(a)))
        {
            (VirtualAddress address, AddressPlacement placement) = AddressPlacement.Parse(entry);
            int errno = manager.AddStaticAddress(placement.Device!, address, placement);
            Report(errno, $"static_ipaddress {entry}", "an equal address that is not vrrpd's is there: left alone");
            if (errno == 0)
            {
                _addresses.Add(entry);
            }
        }

        foreach (string route in routes.Where(r => !_routes.Contains(r)))
        {
            int errno = manager.AddStaticRoute(VirtualRoute.Parse(route));
            Report(errno, $"static_routes {route}", "an equal route that is not vrrpd's is there: left alone");
            if (errno == 0)
            {
                _routes.Add(route);
            }
        }

        foreach (string rule in rules.Where(r => !_rules.Contains(r)))
        {
            int errno = manager.AddStaticRule(VirtualRule.Parse(rule));
            Report(errno, $"static_rules {rule}", "an equal rule that is not vrrpd's is there: left alone");
            if (errno == 0)
            {
                _rules.Add(rule);
            }
        }
    }

    // One link check per device a wanted, tracked route goes through: its coming up puts the routes back (or adds one
    // its link was missing or down for at start).
    private void FollowRouteLinks()
    {
        HashSet<string> devices = [.. Wanted.Routes.Select(VirtualRoute.Parse).Where(static r => !r.NoTrack && r.Device is not null).Select(static r => r.Device!)];
        foreach (string gone in _routeLinks.Keys.Where(d => !devices.Contains(d)).ToList())
        {
            _routeLinks.Remove(gone, out InterfaceLinkHealthCheck? check);
            check!.Dispose();
        }

        foreach (string device in devices.Where(d => !_routeLinks.ContainsKey(d)))
        {
            InterfaceLinkHealthCheck check = links.CreateInterfaceCheck(device);
            check.CameUp += (_, _) => ThreadPool.QueueUserWorkItem(static state => state.Self.Reinstate(state.Device), (Self: this, Device: device), preferLocal: false);
            _routeLinks[device] = check;
        }
    }

    // keepalived's static_track_group_reinstate_config: the link is up again, and the routes the kernel dropped with it
    // come back; one still there stays as it is.
    private void Reinstate(string device)
    {
        lock (_gate)
        {
            if (!_routeLinks.ContainsKey(device))
            {
                return; // no longer held: a reload took it meanwhile
            }

            foreach (string entry in Wanted.Routes)
            {
                VirtualRoute route = VirtualRoute.Parse(entry);
                if (route.Device == device && !route.NoTrack)
                {
                    if (manager.ReinstateStaticRoute(route))
                    {
                        _routes.Add(entry);
                        log($"static_routes {entry}: in place again, {device} is up");
                    }
                }
            }
        }
    }

    /// <summary>Gets what <see cref="Apply"/> was last asked to hold: what a refused reload puts back.</summary>
    public (IReadOnlyList<string> Addresses, IReadOnlyList<string> Routes, IReadOnlyList<string> Rules) Wanted { get; private set; } = ([], [], []);

    /// <summary>Removes everything held: at stop.</summary>
    public void Clear() => Apply([], [], []);

    private void RemoveAddress(string entry)
    {
        (VirtualAddress address, AddressPlacement placement) = AddressPlacement.Parse(entry);
        Report(manager.RemoveStaticAddress(placement.Device!, address), $"removing static_ipaddress {entry}", "it is no longer vrrpd's: left alone");
        _addresses.Remove(entry);
    }

    private void RemoveRoute(string route)
    {
        Report(manager.RemoveStaticRoute(VirtualRoute.Parse(route)), $"removing static_routes {route}", null);
        _routes.Remove(route);
    }

    private void RemoveRule(string rule)
    {
        Report(manager.RemoveStaticRule(VirtualRule.Parse(rule)), $"removing static_rules {rule}", null);
        _rules.Remove(rule);
    }

    private void Report(int errno, string what, string? notOurs)
    {
        if (errno == 17 && notOurs is not null)
        {
            log($"warning: {what}: {notOurs}");
        }
        else if (errno != 0)
        {
            log($"error: {what}: errno {errno} ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }
}
