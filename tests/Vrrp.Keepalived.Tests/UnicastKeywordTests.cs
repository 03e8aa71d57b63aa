using Vrrp.Health;
using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// <c>unicast_ttl</c>, <c>unicast_fault_no_peer</c> and <c>track_src_ip</c> run as keepalived 2.2.7 runs them. Before:
/// each was warned "not supported here" and dropped.
/// </summary>
public sealed class UnicastKeywordTests
{
    private const string Peers = "    unicast_src_ip 198.51.100.1\n    unicast_peer {\n        198.51.100.2\n    }";

    [Fact]
    public void Unicast_ttl_sets_the_ttl_of_unicast_adverts_and_round_trips()
    {
        KeepalivedCheckResult result = Conf.Check(Conf.Instance(Peers + "\n    unicast_ttl 64"));
        Assert.Empty(result.Warnings.WithoutNotRun());
        KeepalivedInstance instance = Assert.Single(result.Configuration!.Instances);
        Assert.Equal(64, instance.UnicastTtl);
        Assert.Equal(64, instance.CreateOptions().UnicastTimeToLive);

        string written = KeepalivedConfigurationWriter.Write(result.Configuration);
        Assert.Contains("unicast_ttl 64", written, StringComparison.Ordinal);
        Assert.Equal(64, Assert.Single(Conf.Parse(written).Instances).UnicastTtl);
    }

    [Fact]
    public void Unicast_ttl_without_peers_is_reset_with_keepaliveds_warning_at_its_line()
    {
        KeepalivedCheckResult result = Conf.Check(Conf.Instance("    unicast_ttl 64"));
        KeepalivedDiagnostic warning = Assert.Single(result.Warnings.WithoutNotRun());
        Assert.Equal(6, warning.Line);
        Assert.Contains("unicast_ttl needs unicast peers: reset", warning.Message, StringComparison.Ordinal);
        Assert.Equal(KeepalivedTestOutcome.Reported, warning.KeepalivedTest);
        Assert.Equal(255, Assert.Single(result.Configuration!.Instances).CreateOptions().UnicastTimeToLive);
    }

    [Fact]
    public async Task Unicast_fault_no_peer_without_peers_holds_the_instance_in_fault()
    {
        // keepalived: "Cannot use unicast without any peers - going to fault state"; without the keyword, multicast.
        KeepalivedPlan plan = KeepalivedPlan.Create(Conf.Parse(Conf.Instance("    unicast_src_ip 198.51.100.1\n    unicast_fault_no_peer")));
        KeepalivedTrackPlan track = Assert.Single(plan.Routers[0].Tracks);
        Assert.Equal("config:VI_1", track.CheckKey);
        Assert.Equal(0, track.Weight); // weight 0: a failure is a Fault
        Assert.True(plan.Checks[track.CheckKey].Options.InitFail); // in Fault from the start, never master first (review)
        VrrpCheckResult result = await plan.Checks[track.CheckKey].Create(null!).CheckAsync(TestContext.Current.CancellationToken);
        Assert.False(result.IsHealthy);
        Assert.Contains("unicast_fault_no_peer", result.Description, StringComparison.Ordinal);

        Assert.Empty(KeepalivedPlan.Create(Conf.Parse(Conf.Instance("    unicast_src_ip 198.51.100.1"))).Routers[0].Tracks);
        Assert.Empty(KeepalivedPlan.Create(Conf.Parse(Conf.Instance(Peers + "\n    unicast_fault_no_peer"))).Routers[0].Tracks);
    }

    [Fact]
    public void Track_src_ip_tracks_the_configured_source_on_the_interface_and_nothing_without_one()
    {
        KeepalivedPlan plan = KeepalivedPlan.Create(Conf.Parse(Conf.Instance(Peers + "\n    track_src_ip")));
        KeepalivedTrackPlan track = Assert.Single(plan.Routers[0].Tracks);
        Assert.Equal("source:eth0/198.51.100.1", track.CheckKey);
        Assert.Equal(0, track.Weight);

        // keepalived clears track_src_ip when no source address is configured: there is none to miss.
        KeepalivedCheckResult without = Conf.Check(Conf.Instance("    track_src_ip"));
        Assert.Empty(without.Warnings.WithoutNotRun());
        Assert.False(Assert.Single(without.Configuration!.Instances).TrackSourceAddress);
        Assert.Empty(KeepalivedPlan.Create(without.Configuration).Routers[0].Tracks);
    }
}
