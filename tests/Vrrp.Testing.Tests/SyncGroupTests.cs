using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>keepalived's vrrp_sync_group: routers that share one fate.</summary>
public sealed class SyncGroupTests
{
    // r1's VRID 51 router alone tracks this weight-0 check.
    private readonly Health.TrackedCheck _r1Vrid51 = new("r1-vrid51", weight: 0);

    private VrrpSimulation Pair(bool syncGroups)
    {
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder().WithVirtualRouterIds(51, 52)
            .AddNode("r1", 100, o =>
            {
                if (o.VirtualRouterId == 51)
                {
                    o.TrackedChecks.Add(_r1Vrid51);
                }
            })
            .AddNode("r2", 90);
        if (syncGroups)
        {
            builder.WithSyncGroupPerNode();
        }

        VrrpSimulation sim = builder.Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        return sim;
    }

    [Fact]
    public void One_member_in_fault_takes_the_whole_group_to_fault_and_the_peer_group_takes_over()
    {
        // Input: two nodes, VRIDs 51 and 52 in a sync group per node; VRID 51 on r1 alone loses its weight-0 check.
        // Expected: both r1 routers in Fault (52 following), r2 master of both; on recovery r1 takes both back.
        using VrrpSimulation sim = Pair(syncGroups: true);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(52).Name);

        _r1Vrid51.SetHealthy(false);
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Fault, sim["r1"].Routers[0].State);
        Assert.Equal(VrrpState.Fault, sim["r1"].Routers[1].State);
        Assert.Equal(StateChangeReason.SyncGroup, sim["r1"].Routers[1].GetHistory()[^1].Reason);
        Assert.Equal("r2", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r2", sim.AssertExactlyOneMaster(52).Name);
        Assert.False(sim["r1"].Addresses.HoldsAny);

        _r1Vrid51.SetHealthy(true);
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r1", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(52).Name);
        Assert.Empty(sim.CheckAddressInvariant());
    }

    [Fact]
    public void Members_that_share_a_failing_check_leave_fault_together_when_it_recovers()
    {
        // Input: VRIDs 51 and 52 of r1 in one sync group, both tracking one weight-0 check, which fails and recovers.
        // Expected: both in Fault, then both out of it and r1 master of both again. Each member was held in the group's
        // Fault by the other's own fault, so neither changed state when the check recovered (found by the soak run).
        var shared = new Health.TrackedCheck("shared", weight: 0);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().WithVirtualRouterIds(51, 52).WithSyncGroupPerNode()
            .AddNode("r1", 100, o => o.TrackedChecks.Add(shared))
            .AddNode("r2", 90)
            .Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));

        shared.SetHealthy(false);
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.All(sim["r1"].Routers, r => Assert.Equal(VrrpState.Fault, r.State));

        shared.SetHealthy(true);
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r1", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(52).Name);
        Assert.Empty(sim.CheckAddressInvariant());
    }

    [Fact]
    public void A_member_restarted_after_a_crash_in_the_groups_fault_is_not_held_there()
    {
        // Input: r1's VRID 51 check fails (both r1 routers in Fault), r1 crashes, the check recovers while it is down,
        // r1 restarts. Expected: r1 master of both again, not held in Fault by the group's flag from before the crash.
        using VrrpSimulation sim = Pair(syncGroups: true);
        _r1Vrid51.SetHealthy(false);
        sim.RunFor(TimeSpan.FromSeconds(5));
        sim.Crash("r1");
        _r1Vrid51.SetHealthy(true);
        sim.RunFor(TimeSpan.FromSeconds(5));
        sim.Restart("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));

        Assert.Equal("r1", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(52).Name);
    }

    [Fact]
    public void Without_a_sync_group_the_other_router_stays_master()
    {
        // Input: as above without sync groups. Expected: only VRID 51 moves; r1 keeps VRID 52.
        using VrrpSimulation sim = Pair(syncGroups: false);
        _r1Vrid51.SetHealthy(false);
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal("r2", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(52).Name);
    }

    [Fact]
    public void A_group_whose_members_all_outrank_the_masters_takes_over_and_the_old_group_follows_into_backup()
    {
        // Input: both of r2's routers are raised to 200. Expected: r2 takes both over and r1's routers are both backups.
        using VrrpSimulation sim = Pair(syncGroups: true);
        sim["r2"].Routers[0].SetPriority(200);
        sim["r2"].Routers[1].SetPriority(200);
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r2", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r2", sim.AssertExactlyOneMaster(52).Name);
        Assert.All(sim["r1"].Routers, r => Assert.Equal(VrrpState.Backup, r.State));
        Assert.Empty(sim.CheckAddressInvariant());
    }

    [Fact]
    public void A_single_member_does_not_preempt_while_another_member_of_its_group_still_hears_its_master()
    {
        // Input: only r2's VRID 51 router is raised to 200. Expected (keepalived's sync group rule): it does not
        // preempt, because its partner still hears r1's VRID 52 master; r1 keeps both, and nothing flaps.
        using VrrpSimulation sim = Pair(syncGroups: true);
        sim["r2"].Routers[0].SetPriority(200);
        sim.RunFor(TimeSpan.FromSeconds(30));
        Assert.Equal("r1", sim.AssertExactlyOneMaster(51).Name);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(52).Name);
        Assert.Equal(1, sim["r1"].Routers[0].Statistics.MasterTransitions);
    }

    [Fact]
    public void A_group_disposed_while_it_holds_a_member_in_fault_lets_it_go_and_a_new_group_holds_it_again()
    {
        // Input: r1's VRID 51 fails (weight 0), so the group holds r1's VRID 52 in Fault; the group is disposed (a
        // reload that drops it), then made again over the same routers.
        // Expected: without the group VRID 52 leaves Fault and takes its mastership back (priority 100 against 90);
        // the new group holds it in Fault again at once, as VRID 51 still fails.
        using VrrpSimulation sim = Pair(syncGroups: true);
        _r1Vrid51.SetHealthy(false);
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Fault, sim["r1"].Routers[1].State);

        sim["r1"].SyncGroup!.Dispose();
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Fault, sim["r1"].Routers[0].State);
        Assert.Equal("r1", sim.AssertExactlyOneMaster(52).Name);

        using var again = new VrrpSyncGroup("again", sim["r1"].Routers, sim.Time);
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Fault, sim["r1"].Routers[1].State);
        Assert.Equal("r2", sim.AssertExactlyOneMaster(52).Name);
        Assert.Empty(sim.CheckAddressInvariant());
    }

    [Fact]
    public void A_group_of_one_runs_as_keepalived_runs_it()
    {
        // Input: r1 (100) and r2 (90), each router in a sync group of its own one router (keepalived warns and runs
        // it; before, the group was refused and vrrpd did not start). r1's router stops.
        // Expected: r1 is master, then r2 takes over, as without groups.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        using var g1 = new VrrpSyncGroup("g1", [sim["r1"].Router], sim.Time);
        using var g2 = new VrrpSyncGroup("g2", [sim["r2"].Router], sim.Time);
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);

        sim["r1"].Router.Stop();
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);
    }
}
