using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// virtual_routes and virtual_rules run as keepalived runs them. Before: both blocks were warned "not run" and dropped,
/// so a master never had the routes its configuration promised.
/// </summary>
public sealed class VirtualRoutesTests
{
    private static KeepalivedCheckResult Check(string routes, string rules, string more = "") =>
        KeepalivedConfigurationReader.CheckText($$"""
            vrrp_instance VI_1 {
                interface lab0
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
                    198.51.100.100/24
                }
                virtual_routes {
            {{routes}}
                }
                virtual_rules {
            {{rules}}
                }
            }
            {{more}}
            """, "keepalived.conf", new InMemoryKeepalivedFileSystem());

    [Fact]
    public void Routes_and_rules_reach_the_routers_options_and_survive_the_writer()
    {
        KeepalivedCheckResult result = Check(
            "203.0.113.0/24 via 198.51.100.1 dev lab0 table 100\nblackhole 203.0.114.0/24 no_track",
            "from 198.51.100.100 table 100 priority 100\nto 203.0.113.0/24 lookup main priority 101");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        VirtualRouterOptions options = result.Configuration!.Instances[0].CreateOptions();
        Assert.Equal(["203.0.113.0/24 via 198.51.100.1 dev lab0 table 100", "blackhole 203.0.114.0/24 no_track"], options.VirtualRoutes);
        Assert.Equal(["from 198.51.100.100 table 100 priority 100", "to 203.0.113.0/24 lookup main priority 101"], options.VirtualRules);
        Assert.Empty(options.Validate());
        KeepalivedConfiguration again = KeepalivedConfigurationReader.Parse(KeepalivedConfigurationWriter.Write(result.Configuration!), "keepalived.conf", new InMemoryKeepalivedFileSystem());
        Assert.Equal(result.Configuration!.Instances[0].VirtualRoutes, again.Instances[0].VirtualRoutes);
        Assert.Equal(result.Configuration!.Instances[0].VirtualRules, again.Instances[0].VirtualRules);
    }

    [Fact]
    public void A_rule_without_a_priority_gets_keepalived_s_counting_down_per_family_with_its_warning()
    {
        KeepalivedCheckResult result = Check(
            string.Empty,
            "from 198.51.100.100 table 100\nfrom 198.51.100.101 table 100\ninet6 from 2001:db8:51::100 table 100");

        Assert.Equal(
            ["from 198.51.100.100 table 100 priority 16384", "from 198.51.100.101 table 100 priority 16383", "inet6 from 2001:db8:51::100 table 100 priority 16384"],
            result.Configuration!.Instances[0].VirtualRules);
        Assert.Equal([12, 13, 14], result.Warnings.Where(w => w.Message.Contains("no preference specified", StringComparison.Ordinal)).Select(w => w.Line));
    }

    [Theory]
    [InlineData("nexthop via 198.51.100.1 dev lab0 weight 1", "after its destination")]
    [InlineData("203.0.113.0/24", "neither via nor dev")]
    public void A_route_keepalived_cannot_hold_here_is_dropped_with_a_warning_at_its_line(string route, string reason)
    {
        KeepalivedCheckResult result = Check($"203.0.113.9/32 dev lab0\n{route}", "from 198.51.100.100 table 100 priority 5");

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Line == 10 && w.Message.Contains(reason, StringComparison.Ordinal) && w.Message.Contains("dropped", StringComparison.Ordinal));
        Assert.Equal(["203.0.113.9/32 dev lab0"], result.Configuration!.Instances[0].VirtualRoutes);
    }

    [Fact]
    public void A_routes_metrics_are_kept_and_its_protocol_is_dropped_with_a_word_at_its_line()
    {
        // Before: "has 'mtu' after its destination ...: the route is dropped". The protocol stays ours (118): it is how
        // vrrpd knows its routes.
        KeepalivedCheckResult result = Check("203.0.113.0/24 dev lab0 protocol 99 mtu lock 1400 initcwnd 10", "from 198.51.100.100 table 100 priority 5");

        KeepalivedDiagnostic warning = Assert.Single(result.Warnings);
        Assert.Equal(9, warning.Line);
        Assert.Contains("Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol", warning.Message, StringComparison.Ordinal);
        Assert.Contains("protocol 99 is not set", warning.Message, StringComparison.Ordinal);
        Assert.Equal(KeepalivedTestOutcome.Reported, warning.KeepalivedTest); // keepalived reports it too
        Assert.Equal(["203.0.113.0/24 dev lab0 mtu lock 1400 initcwnd 10"], result.Configuration!.Instances[0].VirtualRoutes);
    }

    [Fact]
    public void A_no_track_route_keeps_its_protocol_as_keepalived_keeps_it()
    {
        // Before: the protocol was dropped with a word, on every route; keepalived resets it only on a tracked route.
        KeepalivedCheckResult result = Check("203.0.113.0/24 dev lab0 protocol bird no_track", "from 198.51.100.100 table 100 priority 5");

        Assert.Empty(result.Warnings);
        Assert.Equal(["203.0.113.0/24 dev lab0 protocol bird no_track"], result.Configuration!.Instances[0].VirtualRoutes);
        Assert.Equal((byte)12, Vrrp.Routing.VirtualRoute.Parse(result.Configuration!.Instances[0].VirtualRoutes[0]).Protocol);
    }

    [Fact]
    public void A_feature_other_than_ecn_is_reported_and_the_route_kept_without_it_as_keepalived_does()
    {
        KeepalivedCheckResult result = Check("203.0.113.0/24 dev lab0 features sack mtu 1400", "from 198.51.100.100 table 100 priority 5");

        Assert.Contains(result.Warnings, w => w.Line == 9 && w.Message.Contains("feature sack not supported", StringComparison.Ordinal));
        Assert.Equal(["203.0.113.0/24 dev lab0 mtu 1400"], result.Configuration!.Instances[0].VirtualRoutes);
    }

    [Fact]
    public void A_route_without_a_dev_is_not_tracked_and_says_so_as_keepalived_does()
    {
        KeepalivedCheckResult result = Check("203.0.113.0/24 via 198.51.100.1", "from 198.51.100.100 table 100 priority 5");

        Assert.Contains(result.Warnings, w => w.Line == 9 && w.Message.Contains("cannot track route", StringComparison.Ordinal));
    }

    [Fact]
    public void A_routes_dev_and_a_rules_interfaces_are_tracked_unless_no_track()
    {
        KeepalivedCheckResult result = Check(
            "203.0.113.0/24 dev side0\n203.0.114.0/24 dev quiet0 no_track\n203.0.115.0/24 dev lab0",
            "iif in0 table 100 priority 5\noif out0 table 100 priority 6 no_track");

        KeepalivedRouterPlan router = Assert.Single(KeepalivedPlan.Create(result.Configuration!).Routers);
        Assert.Equal(["interface:side0", "interface:in0"], router.Tracks.Select(t => t.CheckKey));
    }
}
