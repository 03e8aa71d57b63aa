using Vrrp.Election;
using static Vrrp.Testing.Tests.ElectionSimulation;

namespace Vrrp.Testing.Tests;

/// <summary>Resigning a VRRP-backed term: the term ends at once, another node leads, and the resigned node waits at the back of the line.</summary>
public sealed class LeaderElectionResignTests
{
    [Fact]
    public async Task Resigning_ends_the_term_before_returning_and_the_next_node_leads_with_a_greater_token()
    {
        // Input: r1 (100) leads r2 (90) and r3 (80), preempting (VRRP's default); r1 resigns.
        // Expected: r1's token has fired when ResignAsync returns, with reason Resigned; r2 leads with a greater
        // token and keeps leading (r1, at priority 1 now, does not preempt it back).
        using VrrpSimulation sim = Build(100, 90, 80);
        using var e1 = new VrrpLeaderElection(sim["r1"].Router, sim.Time);
        using var e2 = new VrrpLeaderElection(sim["r2"].Router, sim.Time);
        var changes = new List<LeadershipChange>();
        e1.LeadershipChanged += (_, c) => changes.Add(c);
        sim.Start();
        sim.RunFor(Settle);
        LeadershipTerm first = await e1.WaitForLeadershipAsync(TestContext.Current.CancellationToken);

        await e1.ResignAsync(TestContext.Current.CancellationToken);

        Assert.True(first.LeadershipLost.IsCancellationRequested);
        Assert.False(e1.IsLeader);
        Assert.Equal(LeadershipChangeReason.Resigned, changes[^1].Reason);
        Assert.False(changes[^1].IsLeader);
        sim.RunFor(Settle);
        LeadershipTerm second = await e2.WaitForLeadershipAsync(TestContext.Current.CancellationToken);
        Assert.True(second.FencingToken > first.FencingToken);
        Assert.False(e1.IsLeader);
        Assert.Equal(1, sim["r1"].Router.BasePriority);
        Assert.Equal(2, changes.Count); // elected, resigned: no second term for r1 while r2 is there
    }

    [Fact]
    public async Task A_resigned_node_leads_again_only_when_no_one_else_does_and_then_gets_its_priority_back()
    {
        // Input: r1 (100) resigns in favour of r2 (90); then r2 crashes.
        // Expected: r1 takes over (no one else is left), with a greater token again, and its priority is 100 again,
        // so it keeps the role when r2 comes back.
        using VrrpSimulation sim = Build(100, 90);
        using var e1 = new VrrpLeaderElection(sim["r1"].Router, sim.Time);
        using var e2 = new VrrpLeaderElection(sim["r2"].Router, sim.Time);
        sim.Start();
        sim.RunFor(Settle);
        await e1.ResignAsync(TestContext.Current.CancellationToken);
        sim.RunFor(Settle);
        LeadershipTerm second = await e2.WaitForLeadershipAsync(TestContext.Current.CancellationToken);

        sim["r2"].Router.Halt();
        sim.RunFor(Settle);
        LeadershipTerm third = await e1.WaitForLeadershipAsync(TestContext.Current.CancellationToken);
        Assert.True(third.FencingToken > second.FencingToken);
        Assert.Equal(100, sim["r1"].Router.BasePriority);

        sim["r2"].Router.Start();
        sim.RunFor(Settle);
        Assert.True(e1.IsLeader);
        Assert.False(third.LeadershipLost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_resign_whose_token_is_cancelled_still_hands_over()
    {
        // Input: r1 leads r2; r1 resigns with a token already cancelled.
        // Expected: the call may end with OperationCanceledException (unless the release was already done), but the term
        // is over and the router is released all the same, so r2 leads. Before, the release never ran: r1 stayed master
        // without a term, and no one led.
        using VrrpSimulation sim = Build(100, 90);
        using var e1 = new VrrpLeaderElection(sim["r1"].Router, sim.Time);
        using var e2 = new VrrpLeaderElection(sim["r2"].Router, sim.Time);
        sim.Start();
        sim.RunFor(Settle);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        try
        {
            await e1.ResignAsync(cancelled.Token);
        }
        catch (OperationCanceledException)
        {
            // the caller stopped waiting; the release goes on
        }

        for (int i = 0; i < 100 && sim["r1"].Router.BasePriority != 1; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken); // the release runs on the thread pool
        }

        sim.RunFor(Settle);
        Assert.False(e1.IsLeader);
        Assert.True(e2.IsLeader);
    }

    [Fact]
    public async Task Resigning_without_a_term_does_nothing_and_an_owner_cannot_resign()
    {
        using VrrpSimulation sim = Build(100, 90);
        using var e2 = new VrrpLeaderElection(sim["r2"].Router, sim.Time);
        sim.Start();
        sim.RunFor(Settle);
        await e2.ResignAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, sim["r2"].Router.BasePriority); // a backup goes to the back of the line too

        using VrrpSimulation owned = Build(255, 90);
        using var owner = new VrrpLeaderElection(owned["r1"].Router, owned.Time);
        owned.Start();
        owned.RunFor(Settle);
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => owner.ResignAsync(TestContext.Current.CancellationToken).AsTask());
        Assert.Contains("priority 255", refused.Message, StringComparison.Ordinal);
        Assert.True(owner.IsLeader);
    }
}
