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
        _subscription = new NetlinkSubscription(0 /* NETLINK_ROUTE */, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_RULE | RTMGRP_IPV6_RULE, "vrrp-route-watcher", OnMessage, overflowed, start: false);

        // A router running BGP changes routes by the hundred thousand: the kernel keeps all but our deletions out.
        // Should it refuse the filter, every message comes and is read as before.
        FilterAttached = _subscription.AttachFilter(OursDeleted) == 0;
        _subscription.Start();
    }

    /// <summary>
    /// The kernel-side filter: RTM_DELROUTE with rtm_protocol 118, and RTM_DELRULE (whose protocol is an attribute a
    /// classic program cannot find; rules change seldom); nothing else. Loads are network order: nlmsg_type, host
    /// order on the wire, is compared byte-swapped (little-endian hosts, as .NET on Linux runs).
    /// </summary>
    internal static readonly SocketFilterInstruction[] OursDeleted =
    [
        new(0x28, 0, 0, 4),                         // ldh [4]: nlmsg_type
        new(0x15, 0, 3, Swapped(NetlinkRouteMessage.RTM_DELROUTE)), // jeq RTM_DELROUTE, else to 5
        new(0x30, 0, 0, 16 + 5),                    // ldb [21]: rtm_protocol
        new(0x15, 0, 3, NetlinkAddressMessage.VrrpProtocol),        // jeq 118, else to 7
        new(0x06, 0, 0, uint.MaxValue),             // ret: keep all of it
        new(0x15, 0, 1, Swapped(NetlinkRouteMessage.RTM_DELRULE)),  // jeq RTM_DELRULE, else to 7
        new(0x06, 0, 0, uint.MaxValue),             // ret: keep all of it
        new(0x06, 0, 0, 0),                         // ret: drop
    ];

    /// <summary>Gets whether the kernel runs <see cref="OursDeleted"/> on this socket.</summary>
    public bool FilterAttached { get; }

    /// <summary>Gets how many messages reached this watcher's thread.</summary>
    public long MessagesRead => _subscription.Delivered;

    private static uint Swapped(ushort type) => BitConverter.IsLittleEndian ? (uint)System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(type) : type;

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
