using System.Buffers.Binary;
using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Routing;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Encodes RTM_NEWROUTE / RTM_DELROUTE and RTM_NEWRULE / RTM_DELRULE requests (rtnetlink(7)). The acknowledgement is
/// read as an address request's is (<see cref="NetlinkAddressMessage.Exchange"/>).
/// </summary>
/// <remarks>
/// <code>
/// rtmsg (12):        u8 family | u8 dst len | u8 src len | u8 tos | u8 table | u8 protocol | u8 scope | u8 type | u32 flags
/// fib_rule_hdr (12): u8 family | u8 dst len | u8 src len | u8 tos | u8 table | u8 res | u8 res | u8 action | u32 flags
/// </code>
/// Both carry <see cref="NetlinkAddressMessage.VrrpProtocol"/> (rtm_protocol, FRA_PROTOCOL), and a delete names it
/// too: the kernel then removes only a route or rule of ours, never an administrator's equal one.
/// </remarks>
internal static class NetlinkRouteMessage
{
    public const ushort RTM_NEWROUTE = 24;
    public const ushort RTM_DELROUTE = 25;
    public const ushort RTM_NEWRULE = 32;
    public const ushort RTM_DELRULE = 33;

    private const ushort NLM_F_REQUEST = 0x1;
    private const ushort NLM_F_ACK = 0x4;
    private const ushort NLM_F_EXCL = 0x200;
    private const ushort NLM_F_CREATE = 0x400;
    private const ushort RTA_DST = 1;
    private const ushort RTA_OIF = 4;
    private const ushort RTA_GATEWAY = 5;
    private const ushort RTA_PRIORITY = 6;
    private const ushort RTA_PREFSRC = 7;
    private const ushort RTA_METRICS = 8;
    private const ushort RTA_MULTIPATH = 9;
    private const ushort RTA_FLOW = 11;
    private const ushort RTA_TABLE = 15;
    private const ushort RTA_PREF = 20;
    private const ushort RTAX_LOCK = 1;
    private const ushort RTAX_FEATURES = 12;
    private const ushort RTAX_CC_ALGO = 16;
    private const uint RTAX_FEATURE_ECN = 1;
    private const ushort FRA_DST = 1;
    private const ushort FRA_SRC = 2;
    private const ushort FRA_IIFNAME = 3;
    private const ushort FRA_GOTO = 4;
    private const ushort FRA_PRIORITY = 6;
    private const ushort FRA_FWMARK = 10;
    private const ushort FRA_TABLE = 15;
    private const ushort FRA_FWMASK = 16;
    private const ushort FRA_OIFNAME = 17;
    private const ushort FRA_PROTOCOL = 21;
    private const uint RTNH_F_ONLINK = 4;
    private const uint FIB_RULE_INVERT = 2;
    private const byte AF_INET = 2;
    private const byte AF_INET6 = 10;

    /// <summary>
    /// Writes a route request. Adding never replaces a route that is there (NLM_F_EXCL: the kernel answers EEXIST), so
    /// an administrator's equal route is never taken over.
    /// </summary>
    /// <param name="destination">The request's buffer: 1024 bytes hold any route this library reads.</param>
    /// <param name="type">RTM_NEWROUTE or RTM_DELROUTE.</param>
    /// <param name="sequence">The request's sequence number.</param>
    /// <param name="route">The route.</param>
    /// <param name="outputIndex">The index of the route's <c>dev</c>, or 0.</param>
    /// <param name="hopIndexes">The index of each nexthop's <c>dev</c> (0 for none), one per <see cref="VirtualRoute.NextHops"/>.</param>
    /// <returns>The request's length.</returns>
    public static int WriteRoute(Span<byte> destination, ushort type, uint sequence, VirtualRoute route, int outputIndex, ReadOnlySpan<int> hopIndexes = default)
    {
        int offset = 16;
        destination[offset..(offset + 12)].Clear();
        destination[offset] = Family(route.Family);
        destination[offset + 1] = route.PrefixLength;
        destination[offset + 3] = route.TypeOfService;
        destination[offset + 4] = route.Table < 256 ? (byte)route.Table : (byte)252; // RT_TABLE_COMPAT: RTA_TABLE holds it
        destination[offset + 5] = route.Protocol ?? NetlinkAddressMessage.VrrpProtocol;
        destination[offset + 6] = (byte)route.Scope;
        destination[offset + 7] = (byte)route.Type;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + 8)..], route.OnLink ? RTNH_F_ONLINK : 0);
        offset += 12;
        offset = Address(destination, offset, RTA_DST, route.Destination, route.Family);
        offset = U32(destination, offset, RTA_TABLE, route.Table);
        if (route.Gateway.Length != 0)
        {
            offset = Address(destination, offset, RTA_GATEWAY, route.Gateway, route.Family);
        }

        if (outputIndex > 0)
        {
            offset = U32(destination, offset, RTA_OIF, (uint)outputIndex);
        }

        if (route.Source.Length != 0)
        {
            offset = Address(destination, offset, RTA_PREFSRC, route.Source, route.Family);
        }

        if (route.Metric is { } metric)
        {
            offset = U32(destination, offset, RTA_PRIORITY, metric);
        }

        if (route.Realms != 0)
        {
            offset = U32(destination, offset, RTA_FLOW, route.Realms);
        }

        if (route.NextHops.Count > 0)
        {
            offset = MultiPath(destination, offset, route, hopIndexes);
        }

        if (route.Preference is { } preference)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], 5);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], RTA_PREF);
            destination[offset + 4] = preference;
            destination[(offset + 5)..(offset + 8)].Clear();
            offset += 8;
        }

        // Not on a delete: the kernel deletes an IPv4 route only when the metrics given match the ones it holds, which
        // it clamped on adding (an mtu over 65520), so a delete naming them could miss our own route.
        if (!route.Metrics.IsEmpty && type == RTM_NEWROUTE)
        {
            offset = Metrics(destination, offset, route.Metrics);
        }

        return Header(destination, offset, type, sequence, type == RTM_NEWROUTE);
    }

    // RTA_MULTIPATH: one rtnexthop per path (u16 length, u8 flags, u8 weight - 1, s32 ifindex), each followed by its
    // gateway and realms.
    private static int MultiPath(Span<byte> destination, int offset, VirtualRoute route, ReadOnlySpan<int> hopIndexes)
    {
        int nest = offset;
        offset += 4;
        for (int i = 0; i < route.NextHops.Count; i++)
        {
            RouteNextHop hop = route.NextHops[i];
            int start = offset;
            destination[offset + 2] = hop.OnLink ? (byte)RTNH_F_ONLINK : (byte)0;
            destination[offset + 3] = (byte)(hop.Weight - 1);
            BinaryPrimitives.WriteInt32LittleEndian(destination[(offset + 4)..], i < hopIndexes.Length ? hopIndexes[i] : 0);
            offset += 8;
            if (hop.Gateway.Length != 0)
            {
                offset = Address(destination, offset, RTA_GATEWAY, hop.Gateway, route.Family);
            }

            if (hop.Realms != 0)
            {
                offset = U32(destination, offset, RTA_FLOW, hop.Realms);
            }

            BinaryPrimitives.WriteUInt16LittleEndian(destination[start..], (ushort)(offset - start));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(destination[nest..], (ushort)(offset - nest));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(nest + 2)..], RTA_MULTIPATH);
        return offset;
    }

    // The metrics' RTAX_ numbers (linux/rtnetlink.h).
    private static readonly (string Name, ushort Type)[] s_metrics =
    [
        ("mtu", 2), ("window", 3), ("rtt", 4), ("rttvar", 5), ("ssthresh", 6), ("cwnd", 7), ("advmss", 8), ("reordering", 9),
        ("hoplimit", 10), ("initcwnd", 11), ("rto_min", 13), ("initrwnd", 14), ("quickack", 15), ("fastopen_no_cookie", 17),
    ];

    // RTA_METRICS: a nest of RTAX_ attributes, with the lock mask.
    private static int Metrics(Span<byte> destination, int offset, RouteMetrics metrics)
    {
        int nest = offset;
        offset += 4;
        uint locks = 0;
        foreach ((string name, ushort type) in s_metrics)
        {
            if (metrics[name] is { } value)
            {
                offset = U32(destination, offset, type, value);
                locks |= metrics.Locked.Contains(name) ? 1u << type : 0;
            }
        }

        if (metrics.ExplicitCongestionNotification)
        {
            offset = U32(destination, offset, RTAX_FEATURES, RTAX_FEATURE_ECN);
        }

        if (metrics.CongestionControl is { } algorithm)
        {
            offset = Name(destination, offset, RTAX_CC_ALGO, algorithm);
            locks |= metrics.Locked.Contains("congctl") ? 1u << RTAX_CC_ALGO : 0;
        }

        if (locks != 0)
        {
            offset = U32(destination, offset, RTAX_LOCK, locks);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(destination[nest..], (ushort)(offset - nest));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(nest + 2)..], RTA_METRICS);
        return offset;
    }

    /// <summary>Writes a rule request; adding never replaces a rule that is there.</summary>
    public static int WriteRule(Span<byte> destination, ushort type, uint sequence, VirtualRule rule)
    {
        int offset = 16;
        destination[offset..(offset + 12)].Clear();
        destination[offset] = Family(rule.Family);
        destination[offset + 1] = rule.To.Length == 0 ? (byte)0 : rule.ToPrefixLength;
        destination[offset + 2] = rule.From.Length == 0 ? (byte)0 : rule.FromPrefixLength;
        destination[offset + 4] = rule.Action == RuleAction.ToTable && rule.Table < 256 ? (byte)rule.Table : (byte)0;
        destination[offset + 7] = (byte)rule.Action;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + 8)..], rule.Invert ? FIB_RULE_INVERT : 0);
        offset += 12;
        if (rule.To.Length != 0 && rule.ToPrefixLength > 0)
        {
            offset = Address(destination, offset, FRA_DST, rule.To, rule.Family);
        }

        if (rule.From.Length != 0 && rule.FromPrefixLength > 0)
        {
            offset = Address(destination, offset, FRA_SRC, rule.From, rule.Family);
        }

        if (rule.InputInterface is { } iif)
        {
            offset = Name(destination, offset, FRA_IIFNAME, iif);
        }

        if (rule.OutputInterface is { } oif)
        {
            offset = Name(destination, offset, FRA_OIFNAME, oif);
        }

        if (rule.Priority is { } priority)
        {
            offset = U32(destination, offset, FRA_PRIORITY, priority);
        }

        if (rule.FirewallMark is { } mark)
        {
            offset = U32(destination, offset, FRA_FWMARK, mark);
            if (rule.FirewallMask is { } mask)
            {
                offset = U32(destination, offset, FRA_FWMASK, mask);
            }
        }

        if (rule.Action == RuleAction.ToTable)
        {
            offset = U32(destination, offset, FRA_TABLE, rule.Table);
        }
        else if (rule.Action == RuleAction.Goto)
        {
            offset = U32(destination, offset, FRA_GOTO, rule.GotoTarget);
        }

        // FRA_PROTOCOL: one byte, padded.
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], 5);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], FRA_PROTOCOL);
        destination[offset + 4] = NetlinkAddressMessage.VrrpProtocol;
        destination[(offset + 5)..(offset + 8)].Clear();
        offset += 8;
        return Header(destination, offset, type, sequence, type == RTM_NEWRULE);
    }

    /// <summary>
    /// Reads an RTM_DELROUTE of ours (rtm_protocol 118): its family, destination, prefix length and table; false for
    /// any other message. The destination is empty for a default route (no RTA_DST).
    /// </summary>
    public static bool TryReadDeletedRoute(ushort type, ReadOnlySpan<byte> payload, out AddressFamily family, out PackedIPAddress destination, out byte prefixLength, out uint table)
    {
        family = AddressFamily.Unspecified;
        destination = default;
        prefixLength = 0;
        table = 0;
        if (type != RTM_DELROUTE || payload.Length < 12 || payload[5] != NetlinkAddressMessage.VrrpProtocol || payload[0] is not (AF_INET or AF_INET6))
        {
            return false;
        }

        family = payload[0] == AF_INET6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        prefixLength = payload[1];
        table = payload[4];
        var attributes = new AttributeReader(payload[12..]);
        while (attributes.MoveNext())
        {
            if (attributes.Type == RTA_DST && attributes.Value.Length is 4 or 16)
            {
                destination = PackedIPAddress.FromBytes(attributes.Value);
            }
            else if (attributes.Type == RTA_TABLE && attributes.Value.Length >= 4)
            {
                table = BinaryPrimitives.ReadUInt32LittleEndian(attributes.Value);
            }
        }

        return true;
    }

    /// <summary>Reads an RTM_DELRULE of ours (FRA_PROTOCOL 118): its family and priority (null without FRA_PRIORITY); false for any other message.</summary>
    public static bool TryReadDeletedRule(ushort type, ReadOnlySpan<byte> payload, out AddressFamily family, out uint? priority)
    {
        family = AddressFamily.Unspecified;
        priority = null;
        if (type != RTM_DELRULE || payload.Length < 12 || payload[0] is not (AF_INET or AF_INET6))
        {
            return false;
        }

        bool ours = false;
        var attributes = new AttributeReader(payload[12..]);
        while (attributes.MoveNext())
        {
            if (attributes.Type == FRA_PROTOCOL && attributes.Value.Length >= 1)
            {
                ours = attributes.Value[0] == NetlinkAddressMessage.VrrpProtocol;
            }
            else if (attributes.Type == FRA_PRIORITY && attributes.Value.Length >= 4)
            {
                priority = BinaryPrimitives.ReadUInt32LittleEndian(attributes.Value);
            }
        }

        family = payload[0] == AF_INET6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        return ours;
    }

    private static byte Family(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;

    private static int Header(Span<byte> destination, int length, ushort type, uint sequence, bool create)
    {
        ushort flags = create ? (ushort)(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL) : (ushort)(NLM_F_REQUEST | NLM_F_ACK);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        return length;
    }

    private static int Address(Span<byte> destination, int offset, ushort type, PackedIPAddress address, AddressFamily family)
    {
        int size = family == AddressFamily.InterNetworkV6 ? 16 : 4;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], (ushort)(4 + size));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], type);
        address.WriteTo(destination[(offset + 4)..]);
        return offset + 4 + size;
    }

    private static int U32(Span<byte> destination, int offset, ushort type, uint value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], 8);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], type);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + 4)..], value);
        return offset + 8;
    }

    private static int Name(Span<byte> destination, int offset, ushort type, string name)
    {
        int length = 4 + name.Length + 1;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], type);
        System.Text.Encoding.ASCII.GetBytes(name, destination[(offset + 4)..]);
        int padded = (length + 3) & ~3;
        destination[(offset + 4 + name.Length)..(offset + padded)].Clear();
        return offset + padded;
    }

    // The attributes after a fixed header, one at a time: its type (without the NLA_F_ flags) and value; stops at the
    // first malformed one.
    private ref struct AttributeReader(ReadOnlySpan<byte> attributes)
    {
        private ReadOnlySpan<byte> _rest = attributes;

        public ushort Type { get; private set; }

        public ReadOnlySpan<byte> Value { get; private set; }

        public bool MoveNext()
        {
            if (_rest.Length < 4)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
            if (length < 4 || length > _rest.Length)
            {
                return false;
            }

            Type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & 0x3FFF);
            Value = _rest[4..length];
            _rest = _rest[Math.Min((length + 3) & ~3, _rest.Length)..];
            return true;
        }
    }
}
