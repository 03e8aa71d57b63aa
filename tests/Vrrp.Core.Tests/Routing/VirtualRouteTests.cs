using System.Net.Sockets;
using FsCheck.Xunit;
using Vrrp.Addressing;
using Vrrp.Packets;
using Vrrp.Routing;

namespace Vrrp.Core.Tests.Routing;

/// <summary>virtual_routes and virtual_rules lines, read as keepalived and iproute2 read them.</summary>
public sealed class VirtualRouteTests
{
    [Fact]
    public void A_route_reads_every_option()
    {
        VirtualRoute route = VirtualRoute.Parse("203.0.113.0/24 via 198.51.100.1 dev lab0 src 198.51.100.100 metric 10 table 100 scope link onlink no_track");

        Assert.Equal(AddressFamily.InterNetwork, route.Family);
        Assert.Equal((PackedIPAddress.Parse("203.0.113.0"), (byte)24), (route.Destination, route.PrefixLength));
        Assert.Equal(PackedIPAddress.Parse("198.51.100.1"), route.Gateway);
        Assert.Equal("lab0", route.Device);
        Assert.Equal(PackedIPAddress.Parse("198.51.100.100"), route.Source);
        Assert.Equal(10u, route.Metric);
        Assert.Equal(100u, route.Table);
        Assert.Equal(AddressScope.Link, route.Scope);
        Assert.True(route.OnLink);
        Assert.True(route.NoTrack);
        Assert.Equal(route, VirtualRoute.Parse(route.ToString()));
    }

    [Fact]
    public void A_no_track_route_reads_its_protocol_by_number_or_iproute2_name()
    {
        VirtualRoute route = VirtualRoute.Parse("203.0.113.0/24 via 198.51.100.1 protocol static no_track");

        Assert.Equal((byte)4, route.Protocol);
        Assert.Equal("203.0.113.0/24 via 198.51.100.1 protocol 4 no_track", route.ToString());
        Assert.Equal(route, VirtualRoute.Parse(route.ToString()));
        Assert.Equal((byte)99, VirtualRoute.Parse("203.0.113.0/24 dev lab0 no_track protocol 99").Protocol);
        Assert.Null(VirtualRoute.Parse("203.0.113.0/24 dev lab0").Protocol); // vrrp's own, 118
    }

    [Fact]
    public void A_multipath_route_reads_its_nexthops_as_keepalived_reads_them()
    {
        // Before: refused ("has 'nexthop' after its destination"), and the route dropped.
        VirtualRoute route = VirtualRoute.Parse("203.0.113.0/24 table 100 nexthop via 198.51.100.1 dev lab0 weight 2 nexthop via inet 198.51.100.2 onlink realms 7 nexthop dev lab1");

        Assert.Equal(
            [
                new RouteNextHop(PackedIPAddress.Parse("198.51.100.1"), "lab0", Weight: 2),
                new RouteNextHop(PackedIPAddress.Parse("198.51.100.2"), null, OnLink: true, Realms: 7),
                new RouteNextHop(default, "lab1"),
            ],
            route.NextHops);
        Assert.Equal(100u, route.Table);
        Assert.Equal("203.0.113.0/24 table 100 nexthop via 198.51.100.1 dev lab0 weight 2 nexthop via 198.51.100.2 realms 0/7 onlink nexthop dev lab1", route.ToString());
        Assert.Equal(route, VirtualRoute.Parse(route.ToString())); // equal by value, paths included
        Assert.NotEqual(route, VirtualRoute.Parse("203.0.113.0/24 table 100 nexthop via 198.51.100.1 dev lab0 weight 3 nexthop via inet 198.51.100.2 onlink realms 7 nexthop dev lab1"));
        Assert.Equal(VirtualRoute.MaxNextHops, VirtualRoute.Parse("203.0.113.0/24" + string.Concat(Enumerable.Repeat(" nexthop dev lab0", VirtualRoute.MaxNextHops))).NextHops.Count);
        Assert.False(VirtualRoute.TryParse("203.0.113.0/24" + string.Concat(Enumerable.Repeat(" nexthop dev lab0", VirtualRoute.MaxNextHops + 1)), out _, out string? error));
        Assert.Contains("more than 16 nexthops", error, StringComparison.Ordinal);

        // Made in code, not read: held to what a request can carry.
        Assert.Throws<ArgumentException>(() => new RouteNextHops(Enumerable.Repeat(new RouteNextHop(default, "lab0"), VirtualRoute.MaxNextHops + 1)));
        Assert.Throws<ArgumentException>(() => new RouteNextHops([new RouteNextHop(default, "lab0", Weight: 0)]));
        Assert.Throws<ArgumentException>(() => new RouteNextHops([new RouteNextHop(default, null)]));
    }

    [Fact]
    public void A_route_reads_its_metrics_tos_realms_and_pref_as_keepalived_reads_them()
    {
        // Before: every one of these words was refused ("has 'mtu' after its destination"), and the route dropped.
        VirtualRoute route = VirtualRoute.Parse("203.0.113.0/24 via 198.51.100.1 dev lab0 tos 0x10 realms 3/5 mtu lock 1400 advmss 1360 hoplimit 64 rtt 300ms rttvar 2 rto_min 1s initcwnd 10 initrwnd 20 window 8 cwnd lock 4 ssthresh 9 reordering 3 features ecn quickack 1 fastopen_no_cookie 1 congctl lock reno");

        Assert.Equal((byte)0x10, route.TypeOfService);
        Assert.Equal((3u << 16) | 5u, route.Realms);
        RouteMetrics m = route.Metrics;
        Assert.Equal(1400u, m["mtu"]);
        Assert.Equal(2400u, m["rtt"]); // 300 ms in 1/8 ms
        Assert.Equal(800u, m["rttvar"]); // 2 units of 1/4 ms is below 200 ms: held to 200 ms, as keepalived
        Assert.Equal(1000u, m["rto_min"]);
        Assert.Equal(64u, m["hoplimit"]);
        Assert.True(m.ExplicitCongestionNotification);
        Assert.Equal("reno", m.CongestionControl);
        Assert.Equal(new HashSet<string>(["mtu", "cwnd", "congctl"]), m.Locked.ToHashSet());
        Assert.Equal(route, VirtualRoute.Parse(route.ToString()));
        Assert.Equal((byte)1, VirtualRoute.Parse("2001:db8:51::/64 dev lab0 pref high").Preference);
    }

    [Theory]
    [InlineData("blackhole 203.0.113.0/24", RouteType.Blackhole, 254u)]
    [InlineData("to unreachable 203.0.113.0/24 table local", RouteType.Unreachable, 255u)]
    [InlineData("prohibit 2001:db8:51::/64 table 7", RouteType.Prohibit, 7u)]
    [InlineData("default via 198.51.100.1", RouteType.Unicast, 254u)]
    [InlineData("inet6 default via 2001:db8:51::1", RouteType.Unicast, 254u)]
    public void Types_tables_and_default_read_as_iproute2_reads_them(string text, RouteType type, uint table)
    {
        VirtualRoute route = VirtualRoute.Parse(text);

        Assert.Equal(type, route.Type);
        Assert.Equal(table, route.Table);
        Assert.Equal(route, VirtualRoute.Parse(route.ToString()));
    }

    [Theory]
    [InlineData("via 198.51.100.1", "no destination")]
    [InlineData("203.0.113.0/24", "neither via nor dev")]
    [InlineData("203.0.113.0/24 via 2001:db8:51::1", "of one family with its gateway")]
    [InlineData("203.0.113.0/24 dev lab0 protocol 99", "only a no_track route keeps its own protocol")]
    [InlineData("203.0.113.0/24 dev lab0 protocol 256 no_track", "protocol '256': 1 to 255")]
    [InlineData("203.0.113.0/24 dev lab0 protocol 0 no_track", "protocol '0': 1 to 255")]
    [InlineData("203.0.113.0/24 dev lab0 protocol unspec no_track", "protocol 'unspec'")]
    [InlineData("203.0.113.0/24 dev lab0 proto 4 no_track", "'proto' after its destination")]
    [InlineData("203.0.113.0/24 dev lab0 protocol mine no_track", "protocol 'mine'")]
    [InlineData("203.0.113.0/24 dev lab0 mtu", "'mtu' without a value")]
    [InlineData("203.0.113.0/24 dev lab0 hoplimit 256", "hoplimit '256': 0 to 255")]
    [InlineData("203.0.113.0/24 dev lab0 rtt 2m", "a time")]
    [InlineData("203.0.113.0/24 dev lab0 features sack", "only ecn")]
    [InlineData("203.0.113.0/24 dev lab0 pref high", "IPv6 only")]
    [InlineData("2001:db8:51::/64 dev lab0 tos 16", "IPv4 only")]
    [InlineData("203.0.113.0/24 dev lab0 realms 70000", "0 to 65535")]
    [InlineData("blackhole 203.0.113.0/24 dev lab0", "takes no via and no dev")]
    [InlineData("203.0.113.0/24 dev lab0 table 0", "table '0'")]
    [InlineData("203.0.113.0/33 dev lab0", "destination '203.0.113.0/33'")]
    [InlineData("203.0.113.0/24 dev", "without a value")]
    [InlineData("203.0.113.0/24 via 198.51.100.1 nexthop via 198.51.100.2", "a multipath route's gateways are its nexthops")]
    [InlineData("203.0.113.0/24 nexthop via 198.51.100.1 weight 0", "weight '0': 1 to 256")]
    [InlineData("203.0.113.0/24 nexthop via 198.51.100.1 weight 257", "weight '257': 1 to 256")]
    [InlineData("203.0.113.0/24 nexthop via 198.51.100.1 metric 5", "'metric' in a nexthop")]
    [InlineData("203.0.113.0/24 nexthop weight 2", "neither via nor dev")]
    [InlineData("203.0.113.0/24 nexthop via 2001:db8:51::1", "of one family")]
    [InlineData("203.0.113.0/24 nexthop via 198.51.100.1 encap mpls 200", "'encap' in a nexthop")]
    [InlineData("2001:db8:51:1::/64 nexthop via 2001:db8:51::1 realms 2", "IPv4 only")]
    public void A_bad_route_is_refused_saying_why(string text, string expected)
    {
        Assert.False(VirtualRoute.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_reads_every_option()
    {
        VirtualRule rule = VirtualRule.Parse("not from 198.51.100.100/32 to 203.0.113.0/24 iif lab0 oif side0 fwmark 0x10/0xff priority 100 lookup 7 no_track");

        Assert.Equal(AddressFamily.InterNetwork, rule.Family);
        Assert.True(rule.Invert);
        Assert.Equal((PackedIPAddress.Parse("198.51.100.100"), (byte)32), (rule.From, rule.FromPrefixLength));
        Assert.Equal((PackedIPAddress.Parse("203.0.113.0"), (byte)24), (rule.To, rule.ToPrefixLength));
        Assert.Equal(("lab0", "side0"), (rule.InputInterface, rule.OutputInterface));
        Assert.Equal((16u, 255u), (rule.FirewallMark, rule.FirewallMask));
        Assert.Equal(100u, rule.Priority);
        Assert.Equal((RuleAction.ToTable, 7u), (rule.Action, rule.Table));
        Assert.True(rule.NoTrack);
        Assert.Equal(rule, VirtualRule.Parse(rule.ToString()));
    }

    [Theory]
    [InlineData("from all table 100", AddressFamily.InterNetwork, RuleAction.ToTable)]
    [InlineData("inet6 iif lab0 blackhole", AddressFamily.InterNetworkV6, RuleAction.Blackhole)]
    [InlineData("to 2001:db8:51::/64 type prohibit", AddressFamily.InterNetworkV6, RuleAction.Prohibit)]
    [InlineData("priority 10 goto 20", AddressFamily.InterNetwork, RuleAction.Goto)]
    [InlineData("fwmark 3 nop", AddressFamily.InterNetwork, RuleAction.Nop)]
    public void A_rules_family_and_action_read_as_keepalived_reads_them(string text, AddressFamily family, RuleAction action)
    {
        VirtualRule rule = VirtualRule.Parse(text);

        Assert.Equal((family, action), (rule.Family, rule.Action));
        Assert.Equal(rule, VirtualRule.Parse(rule.ToString()));
    }

    [Theory]
    [InlineData("from 198.51.100.100", "no action")]
    [InlineData("from 198.51.100.100 table 5 blackhole", "more than one")]
    [InlineData("goto 20", "goto without a priority")]
    [InlineData("priority 30 goto 20", "goto without a priority below")]
    [InlineData("inet6 from 198.51.100.100 table 5", "from '198.51.100.100'")]
    [InlineData("from 198.51.100.100 table 5 sport 80", "'sport'")]
    [InlineData("fwmark x table 5", "fwmark 'x'")]
    public void A_bad_rule_is_refused_saying_why(string text, string expected)
    {
        Assert.False(VirtualRule.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Property(MaxTest = 300)]
    public bool A_route_written_back_reads_the_same(byte prefix, uint? metric, uint table, byte scope, bool onLink, bool noTrack, bool viaGateway)
    {
        var route = new VirtualRoute
        {
            Destination = PackedIPAddress.Parse("203.0.113.0"),
            PrefixLength = (byte)(prefix % 33),
            Gateway = viaGateway ? PackedIPAddress.Parse("198.51.100.1") : default,
            Device = viaGateway ? null : "lab0",
            Metric = metric,
            Table = table == 0 ? 1 : table,
            Scope = (AddressScope)scope,
            OnLink = onLink,
            NoTrack = noTrack,
        };

        return VirtualRoute.Parse(route.ToString()) == route;
    }
}
