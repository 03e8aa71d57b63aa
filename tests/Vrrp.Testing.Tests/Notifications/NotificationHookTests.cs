using Microsoft.Extensions.Logging.Testing;
using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests.Notifications;

/// <summary>Awaited hooks: order per router across failovers, budgets, failures, and the drop-oldest subscription.</summary>
public sealed class NotificationHookTests
{
    private static string Format(StateChange c) => $"{c.From}->{c.To}:{c.Reason}";

    [Fact]
    public async Task Hooks_see_every_change_of_each_router_in_order_across_a_series_of_failovers()
    {
        // Input: r1 (100) and r2 (90); r1 crashes, restarts and preempts, then stops gracefully.
        // Expected: each router's hook saw exactly its history, in order: the sequences below.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        var seen = new Dictionary<string, List<string>> { ["r1"] = [], ["r2"] = [] };
        dispatcher.AddHook("record", (router, change, _) =>
        {
            lock (seen)
            {
                seen[router.Name].Add(Format(change));
            }

            return default;
        });
        foreach (SimulatedNode node in sim.Nodes)
        {
            dispatcher.Attach(node.Router);
        }

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim.Crash("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim.Restart("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim.Stop("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(
            [
                "Initialize->Backup:Startup", "Backup->Master:NoResponse",
                "Initialize->Backup:Startup", "Backup->Master:Preempted", "Master->Initialize:Shutdown", // restarted, it preempts r2
            ],
            seen["r1"]);
        Assert.Equal(
            ["Initialize->Backup:Startup", "Backup->Master:NoResponse", "Master->Backup:Preempted", "Backup->Master:MasterReleased"],
            seen["r2"]);
        Assert.Equal(sim["r2"].Router.GetHistory().Select(Format), seen["r2"]);
    }

    [Fact]
    public async Task A_hook_that_overruns_its_budget_is_cancelled_and_counted_and_the_next_change_still_runs()
    {
        // Input: one router; the hook hangs on the first change (Backup) until cancelled; budget 1 s.
        // Expected: the hook's token fires after 1 s, one overrun counted; the router still becomes master and the hook sees it.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        var logger = new FakeLogger();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time, logger, defaultHookBudget: TimeSpan.FromSeconds(1));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<VrrpState>();
        dispatcher.AddHook("slow", async (_, change, token) =>
        {
            lock (seen)
            {
                seen.Add(change.To);
            }

            if (change.To == VrrpState.Backup)
            {
                using CancellationTokenRegistration registration = token.Register(() => cancelled.TrySetResult());
                started.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }
        });
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        await started.Task.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, dispatcher.HookOverruns);
        sim.RunFor(TimeSpan.FromSeconds(1));
        await cancelled.Task.WaitAsync(TestContext.Current.CancellationToken);
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, dispatcher.HookOverruns);
        Assert.Equal(0, dispatcher.HookFailures);
        Assert.True(sim["r1"].Router.IsMaster);
        Assert.Equal([VrrpState.Backup, VrrpState.Master], seen);
        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 10);
    }

    [Fact]
    public async Task A_hook_that_ignores_its_token_is_left_behind_at_its_budget()
    {
        // Input: the hook never completes on the first change and ignores its token; budget 1 s.
        // Expected: after 1 s the lane moves on: one overrun, and the second change reaches the hook.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time, defaultHookBudget: TimeSpan.FromSeconds(1));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var master = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        dispatcher.AddHook("deaf", (_, change, _) =>
        {
            if (change.To == VrrpState.Backup)
            {
                started.SetResult();
                return new ValueTask(never.Task);
            }

            master.TrySetResult();
            return default;
        });
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        await started.Task.WaitAsync(TestContext.Current.CancellationToken);
        sim.RunFor(TimeSpan.FromSeconds(5));
        await master.Task.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, dispatcher.HookOverruns);
        Assert.False(never.Task.IsCompleted);
    }

    [Fact]
    public async Task A_throwing_hook_is_counted_and_logged_and_neither_the_transition_nor_later_changes_suffer()
    {
        // Input: a hook that throws on every change of one router that goes Backup then Master.
        // Expected: the router is master; two failures counted, two HookFailed logs (event 11) carrying the exception; a second hook saw both changes.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        var logger = new FakeLogger();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time, logger);
        var seen = new List<VrrpState>();
        dispatcher.AddHook("throws", (_, _, _) => throw new InvalidOperationException("boom"));
        dispatcher.AddRouterHook("r1", "records", (change, _) =>
        {
            lock (seen)
            {
                seen.Add(change.To);
            }

            return default;
        });
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.True(sim["r1"].Router.IsMaster);
        Assert.Equal(2, dispatcher.HookFailures);
        Assert.Equal([VrrpState.Backup, VrrpState.Master], seen);
        IReadOnlyList<FakeLogRecord> failures = [.. logger.Collector.GetSnapshot().Where(r => r.Id.Id == 11)];
        Assert.Equal(2, failures.Count);
        Assert.All(failures, r => Assert.Equal("boom", r.Exception?.Message));
    }

    [Fact]
    public async Task A_detached_router_reaches_its_hooks_no_more()
    {
        // Input: r1 attached, starts (Backup); detached; becomes master. Expected: the hook saw Backup alone; flushing still completes.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        var seen = new List<VrrpState>();
        dispatcher.AddHook("record", (_, change, _) =>
        {
            lock (seen)
            {
                seen.Add(change.To);
            }

            return default;
        });
        IDisposable attached = dispatcher.Attach(sim["r1"].Router);
        sim.Start();
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);
        attached.Dispose();
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.True(sim["r1"].Router.IsMaster);
        Assert.Equal([VrrpState.Backup], seen);
    }

    [Fact]
    public async Task Hooks_cannot_be_added_after_the_first_change()
    {
        // Input: a dispatcher that has dispatched a change. Expected: AddHook is refused with a message saying why.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        dispatcher.Attach(sim["r1"].Router);
        sim.Start();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => dispatcher.AddHook("late", (_, _, _) => default));
        Assert.Contains("before the routers start", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subscription_delivers_changes_in_order()
    {
        // Input: a subscription on r2 of a pair; r1 crashes. Expected: r2's changes, in order, equal to its history.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        using var subscription = new StateChangeSubscription(sim["r2"].Router);
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim.Crash("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));
        subscription.Dispose();

        var read = new List<string>();
        await foreach (StateChange change in subscription.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            read.Add(Format(change));
        }

        Assert.Equal(["Initialize->Backup:Startup", "Backup->Master:NoResponse"], read);
        Assert.Equal(0, subscription.Dropped);
    }

    [Fact]
    public async Task A_full_subscription_drops_the_oldest_changes_counts_them_and_keeps_the_newest()
    {
        // Input: capacity 2, no reader; r1 goes Backup, Master, then loses its interface (Fault) and gets it back (Backup then Master).
        // Expected: the last two changes are kept, the rest dropped and counted; the last one read is the current state.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        VirtualRouter router = sim["r1"].Router;
        using var subscription = new StateChangeSubscription(router, capacity: 2);
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        router.SetInterfaceUp(false);
        sim.RunFor(TimeSpan.FromSeconds(1));
        router.SetInterfaceUp(true);
        sim.RunFor(TimeSpan.FromSeconds(5));
        subscription.Dispose();

        StateChange[] history = router.GetHistory();
        var read = new List<StateChange>();
        await foreach (StateChange change in subscription.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            read.Add(change);
        }

        Assert.True(history.Length > 2, string.Join(", ", history.Select(Format)));
        Assert.Equal(history[^2..], read);
        Assert.Equal(history.Length - 2, subscription.Dropped);
        Assert.Equal(router.State, read[^1].To);
    }
}
