using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// keepalived's track_group: the instances of a static address's group track the address's interface (a link down
/// there is their Fault). Before: a static address with track_group was refused ("'track_group' must be an IP
/// address"), and the track_group section was an unknown keyword.
/// </summary>
public sealed class TrackGroupTests
{
    private const string Instances = """
        vrrp_instance VI_1 {
            interface lab0
            virtual_router_id 51
            virtual_ipaddress {
                198.51.100.100/24
            }
        }
        vrrp_instance VI_2 {
            interface lab0
            virtual_router_id 52
            virtual_ipaddress {
                198.51.100.101/24
            }
        }

        """;

    private static KeepalivedCheckResult Check(string text) => KeepalivedConfigurationReader.CheckText(text, "keepalived.conf", new InMemoryKeepalivedFileSystem());

    [Fact]
    public void The_group_s_instances_track_the_static_address_s_interface_with_weight_0()
    {
        KeepalivedCheckResult result = Check("track_group G1 {\n    group {\n        VI_1\n    }\n}\nstatic_ipaddress {\n    198.51.100.50/24 dev lab1 track_group G1\n}\n" + Instances);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        Assert.Contains(new KeepalivedTrackPlan("interface:lab1", 0), plan.Routers.Single(r => r.Name == "VI_1").Tracks);
        Assert.DoesNotContain(plan.Routers.Single(r => r.Name == "VI_2").Tracks, t => t.CheckKey == "interface:lab1");
        Assert.Equal(["198.51.100.50/24 dev lab1"], plan.StaticAddresses); // held as any static address

        string written = KeepalivedConfigurationWriter.Write(result.Configuration!);
        Assert.Contains("track_group G1 {", written, StringComparison.Ordinal);
        Assert.Contains("198.51.100.50/24 dev lab1 track_group G1", written, StringComparison.Ordinal);
        Assert.Equal(result.Configuration!.WithoutSource(), Conf.Parse(written).WithoutSource());
    }

    [Fact]
    public void A_group_not_defined_above_its_use_is_not_found_as_keepalived_finds_it()
    {
        KeepalivedCheckResult result = Check("static_ipaddress {\n    198.51.100.50/24 dev lab1 track_group G1\n}\ntrack_group G1 {\n    group {\n        VI_1\n    }\n}\n" + Instances);

        Assert.Contains(result.Warnings, w => w.Line == 2 && w.Message.Contains("track_group G1 not found", StringComparison.Ordinal));
        Assert.DoesNotContain(KeepalivedPlan.Create(result.Configuration!).Routers[0].Tracks, t => t.CheckKey == "interface:lab1");
    }

    [Fact]
    public void On_a_virtual_address_or_with_no_track_it_is_not_run_and_said()
    {
        KeepalivedCheckResult onVip = Check("track_group G1 {\n    group {\n        VI_1\n    }\n}\nvrrp_instance VI_3 {\n    interface lab0\n    virtual_router_id 53\n    virtual_ipaddress {\n        198.51.100.102/24 track_group G1\n    }\n}\n");
        Assert.Contains(onVip.Warnings, w => w.Line == 10 && w.Message.Contains("Unknown configuration entry 'track_group'", StringComparison.Ordinal));

        KeepalivedCheckResult noTrack = Check("track_group G1 {\n    group {\n        VI_1\n    }\n}\nstatic_ipaddress {\n    198.51.100.50/24 dev lab1 track_group G1 no_track\n}\n" + Instances);
        Assert.Contains(noTrack.Warnings, w => w.Message.Contains("both track_group and no_track", StringComparison.Ordinal));
        Assert.DoesNotContain(KeepalivedPlan.Create(noTrack.Configuration!).Routers[0].Tracks, t => t.CheckKey == "interface:lab1");
    }

    [Fact]
    public void The_group_s_instances_track_a_static_route_s_dev_and_a_static_rule_s_iif()
    {
        // Before: the track_group was taken off with a word and nothing tracked lab1 or lab2.
        KeepalivedCheckResult result = Check("track_group G1 {\n    group {\n        VI_1\n    }\n}\nstatic_routes {\n    198.51.100.192/26 dev lab1 track_group G1\n}\nstatic_rules {\n    iif lab2 table 100 priority 100 track_group G1\n}\n" + Instances);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        IReadOnlyList<KeepalivedTrackPlan> tracks = plan.Routers.Single(r => r.Name == "VI_1").Tracks;
        Assert.Contains(new KeepalivedTrackPlan("interface:lab1", 0), tracks);
        Assert.Contains(new KeepalivedTrackPlan("interface:lab2", 0), tracks);
        Assert.DoesNotContain(plan.Routers.Single(r => r.Name == "VI_2").Tracks, t => t.CheckKey is "interface:lab1" or "interface:lab2");
        Assert.Equal(["198.51.100.192/26 dev lab1"], plan.StaticRoutes); // the kernel gets the route without keepalived's word
        Assert.Equal(["iif lab2 table 100 priority 100"], plan.StaticRules);

        string written = KeepalivedConfigurationWriter.Write(result.Configuration!);
        Assert.Contains("198.51.100.192/26 dev lab1 track_group G1", written, StringComparison.Ordinal);
        Assert.Equal(result.Configuration!.WithoutSource(), Conf.Parse(written).WithoutSource());
    }

    [Fact]
    public void A_static_route_without_dev_a_rule_without_iif_or_with_no_track_track_nothing()
    {
        KeepalivedCheckResult result = Check("track_group G1 {\n    group {\n        VI_1\n    }\n}\nstatic_routes {\n    198.51.100.192/26 via 198.51.100.1 track_group G1\n    198.51.100.128/26 dev lab1 no_track track_group G1\n}\nstatic_rules {\n    oif lab2 table 100 priority 100 track_group G1\n}\n" + Instances);

        Assert.Contains(result.Warnings, w => w.Line == 7 && w.Message.Contains("Static route cannot have track group if no oif specified", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Line == 8 && w.Message.Contains("both track_group and no_track", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Line == 11 && w.Message.Contains("Static rule cannot have track_group if dev/iif not specified", StringComparison.Ordinal));
        Assert.DoesNotContain(KeepalivedPlan.Create(result.Configuration!).Routers[0].Tracks, t => t.CheckKey.StartsWith("interface:lab", StringComparison.Ordinal));
    }

    [Fact]
    public void On_a_static_route_a_group_not_found_leaves_the_route_held_and_untracked()
    {
        KeepalivedCheckResult result = Check("static_routes {\n    198.51.100.192/26 dev lab1 track_group G9\n}\n" + Instances);

        Assert.Contains(result.Warnings, w => w.Line == 2 && w.Message.Contains("track_group G9 not found", StringComparison.Ordinal));
        Assert.Equal(["198.51.100.192/26 dev lab1"], result.Configuration!.StaticRoutes);
        Assert.DoesNotContain(KeepalivedPlan.Create(result.Configuration!).Routers[0].Tracks, t => t.CheckKey == "interface:lab1");
    }

    [Fact]
    public void On_a_virtual_route_keepalived_does_not_know_the_word_and_drops_the_route()
    {
        KeepalivedCheckResult result = Check("track_group G1 {\n    group {\n        VI_1\n    }\n}\nvrrp_instance VI_3 {\n    interface lab0\n    virtual_router_id 53\n    virtual_ipaddress {\n        198.51.100.102/24\n    }\n    virtual_routes {\n        198.51.100.192/26 dev lab1 track_group G1\n    }\n}\n");

        Assert.Contains(result.Warnings, w => w.Line == 13 && w.Message.Contains("the route is dropped", StringComparison.Ordinal));
        Assert.Empty(result.Configuration!.Instances.Single().VirtualRoutes);
    }

    [Fact]
    public void A_static_route_with_a_second_track_group_is_dropped_and_a_rule_is_read_up_to_it_as_keepalived_does()
    {
        KeepalivedCheckResult result = Check("track_group G1 {\n    group {\n        VI_1\n    }\n}\nstatic_routes {\n    198.51.100.192/26 dev lab1 track_group G1 track_group G1\n}\nstatic_rules {\n    iif lab2 table 100 priority 100 track_group G1 track_group G1\n}\n" + Instances);

        Assert.Contains(result.Warnings, w => w.Line == 7 && w.Message.Contains("Route has trailing nonsense", StringComparison.Ordinal));
        Assert.Empty(result.Configuration!.StaticRoutes);
        Assert.Contains(result.Warnings, w => w.Line == 10 && w.Message.Contains("is a duplicate", StringComparison.Ordinal));
        Assert.Equal(["iif lab2 table 100 priority 100 track_group G1"], result.Configuration!.StaticRules);
    }
}
