using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests.Notifications;

/// <summary>
/// A hook's lane under flapping (issue 18, item 12): bounded, merged into the latest state, counted, and on dispose the
/// last state is still heard. Before: lanes were unbounded (2,400 flaps behind a slow notify script queued 2,400 runs,
/// each a stale state), and on dispose the queued changes were skipped, so a notify_master could be the last word.
/// </summary>
public sealed class NotificationLaneLimitTests
{
    private static StateChange Change(VrrpState from, VrrpState to, int i) =>
        new(from, to, StateChangeReason.Preempted, 100, default, DateTimeOffset.UnixEpoch.AddMilliseconds(i));

    // Master, Backup, Master, ... : change i goes from the state before it to the next.
    private static IEnumerable<StateChange> Flaps(int count)
    {
        VrrpState state = VrrpState.Backup;
        for (int i = 0; i < count; i++)
        {
            VrrpState next = state == VrrpState.Master ? VrrpState.Backup : VrrpState.Master;
            yield return Change(state, next, i);
            state = next;
        }
    }

    [Theory]
    [InlineData(2400)] // ends in Backup
    [InlineData(2401)] // ends in Master
    public async Task A_flapping_router_behind_a_slow_hook_queues_at_most_the_limit_and_the_hook_hears_the_latest_state_last(int flaps)
    {
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        VirtualRouter router = sim["r1"].Router;
        await using var dispatcher = new VrrpNotificationDispatcher(TimeProvider.System) { LaneLimit = 16 };
        using var gate = new SemaphoreSlim(0);
        var heard = new List<StateChange>();
        dispatcher.AddHook("slow", async (_, change, token) =>
        {
            lock (heard)
            {
                heard.Add(change);
            }

            if (heard.Count == 1)
            {
                await gate.WaitAsync(token); // a notify script that takes its time, while the router flaps
            }
        }, budget: TimeSpan.FromMinutes(1));

        foreach (StateChange change in Flaps(flaps))
        {
            dispatcher.OnStateChanged(router, change);
        }

        gate.Release();
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.InRange(heard.Count, 2, 16 + 2); // the first, the queue's limit, the merged one
        Assert.Equal(flaps, heard.Count + dispatcher.CoalescedChanges);
        Assert.Equal(flaps % 2 == 0 ? VrrpState.Backup : VrrpState.Master, heard[^1].To);
        for (int i = 1; i < heard.Count; i++)
        {
            // Each change the hook hears starts where the last one it heard ended: never a state left without its sequel.
            Assert.Equal(heard[i - 1].To, heard[i].From);
        }
    }

    [Fact]
    public async Task On_dispose_a_busy_hook_skips_its_queue_but_hears_the_last_state()
    {
        // Input: the hook hangs on Backup -> Master until cancelled; Master -> Backup and Backup -> Fault queue behind it;
        // the dispatcher is disposed.
        // Expected: the hanging run is cancelled, Master -> Backup is skipped, and Backup -> Fault is heard, with a token
        // that is not cancelled.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        VirtualRouter router = sim["r1"].Router;
        var dispatcher = new VrrpNotificationDispatcher(TimeProvider.System);
        var heard = new List<(VrrpState To, bool Cancelled)>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dispatcher.AddHook("script", async (_, change, token) =>
        {
            lock (heard)
            {
                heard.Add((change.To, token.IsCancellationRequested));
            }

            if (change.To == VrrpState.Master)
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
            }
        }, budget: TimeSpan.FromMinutes(1));

        dispatcher.OnStateChanged(router, Change(VrrpState.Backup, VrrpState.Master, 0));
        await started.Task.WaitAsync(TestContext.Current.CancellationToken);
        dispatcher.OnStateChanged(router, Change(VrrpState.Master, VrrpState.Backup, 1));
        dispatcher.OnStateChanged(router, Change(VrrpState.Backup, VrrpState.Fault, 2));
        await dispatcher.DisposeAsync();

        Assert.Equal([(VrrpState.Master, false), (VrrpState.Fault, false)], heard);
    }
}
