using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Listens to route netlink route and rule events (RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_ROUTE, RTMGRP_IPV4_RULE,
/// RTMGRP_IPV6_RULE) and reports each route or rule of ours (protocol 118) deleted, so that one held can be put back,
/// as the address watcher does for addresses. Lost events (the socket's buffer overflowed) are reported as such.
/// </summary>
internal sealed class RouteWatcher : IDisposable
{
    private const uint RTMGRP_IPV4_ROUTE = 0x40;
    private const uint RTMGRP_IPV4_RULE = 0x80;
    private const uint RTMGRP_IPV6_ROUTE = 0x400;
    private const uint RTMGRP_IPV6_RULE = 1u << (19 - 1); // RTNLGRP_IPV6_RULE

    private readonly NetlinkSubscription _subscription;
    private readonly RouteDeleted _routeDeleted;
    private readonly RuleDeleted _ruleDeleted;

    public RouteWatcher(RouteDeleted routeDeleted, RuleDeleted ruleDeleted, Action overflowed)
    {
        _routeDeleted = routeDeleted;
        _ruleDeleted = ruleDeleted;
        _subscription = new NetlinkSubscription(0 /* NETLINK_ROUTE */, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_RULE | RTMGRP_IPV6_RULE, "vrrp-route-watcher", OnMessage, overflowed, start: true);
    }

    public delegate void RouteDeleted(AddressFamily family, PackedIPAddress destination, byte prefixLength, uint table);

    public delegate void RuleDeleted(AddressFamily family, uint? priority);

    public void Dispose() => _subscription.Dispose();

    private void OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (NetlinkRouteMessage.TryReadDeletedRoute(type, payload, out AddressFamily family, out PackedIPAddress destination, out byte prefixLength, out uint table))
        {
            _routeDeleted(family, destination, prefixLength, table);
        }
        else if (NetlinkRouteMessage.TryReadDeletedRule(type, payload, out family, out uint? priority))
        {
            _ruleDeleted(family, priority);
        }
    }
}
