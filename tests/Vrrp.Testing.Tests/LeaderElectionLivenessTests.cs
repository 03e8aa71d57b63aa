using Vrrp.Election;
using static Vrrp.Testing.Tests.ElectionSimulation;

namespace Vrrp.Testing.Tests;

/// <summary>A VRRP term lasts while the router shows it alive: a master that cannot advertise (paused, or its link down) loses its term.</summary>
public sealed class LeaderElectionLivenessTests
{
    [Fact]
    public async Task A_master_that_cannot_advertise_for_three_intervals_loses_its_term_and_wins_a_new_one_with_a_greater_token_when_it_can()
    {
        // Input: r1 (100) leads r2 (90) at 1 s adverts; r1's link goes down (its sends fail, as in a pause, the
        // adverts stop) for 10 s; then it comes back.
        // Expected: r1's term ends 3 intervals after its last advert (Expired; IsLeader reads false at once), before
        // r2 (Master_Down_Interval, 3 s + skew) takes over with a greater token. Back, r1 (still master: it never
        // heard r2) makes r2 step down with its first advert and begins a new term, whose token beats r2's, at its
        // next liveness check (half an interval at most). Before, r1 kept its first term all
        // along, so two nodes led for 10 s and r1's writes were refused by a fenced store for good.
        using VrrpSimulation sim = Build(100, 90);
        using var e1 = new VrrpLeaderElection(sim["r1"].Router, sim.Time);
        using var e2 = new VrrpLeaderElection(sim["r2"].Router, sim.Time);
        var changes = new List<(string Node, LeadershipChange Change)>();
        e1.LeadershipChanged += (_, c) => changes.Add(("r1", c));
        e2.LeadershipChanged += (_, c) => changes.Add(("r2", c));
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        LeadershipTerm first = await e1.WaitForLeadershipAsync(TestContext.Current.CancellationToken);

        sim.Network.SetConnected(sim["r1"].Host, false);
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.True(sim["r1"].Router.IsMaster);
        Assert.False(e1.IsLeader);
        Assert.True(first.LeadershipLost.IsCancellationRequested);
        LeadershipTerm second = await e2.WaitForLeadershipAsync(TestContext.Current.CancellationToken);
        Assert.True(second.FencingToken > first.FencingToken);

        sim.Network.SetConnected(sim["r1"].Host, true);
        sim.RunFor(TimeSpan.FromSeconds(10));
        LeadershipTerm third = await e1.WaitForLeadershipAsync(TestContext.Current.CancellationToken);
        Assert.True(third.FencingToken > second.FencingToken);
        Assert.False(e2.IsLeader);
        Assert.Equal(
            [("r1", true, LeadershipChangeReason.Elected), ("r1", false, LeadershipChangeReason.Expired), ("r2", true, LeadershipChangeReason.Elected),
             ("r2", false, LeadershipChangeReason.Superseded), ("r1", true, LeadershipChangeReason.Elected)],
            changes.Select(c => (c.Node, c.Change.IsLeader, c.Change.Reason)));
    }
}
