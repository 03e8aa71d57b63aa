using System.Globalization;
using Vrrp.Linux.Timing;

namespace Vrrp.Linux.Tests;

/// <summary>
/// keepalived's vrrp_rt_priority and max_auto_priority on the protocol threads. Before: vrrp_rt_priority was warned
/// "not supported" and max_auto_priority "not run": the timer thread always ran at normal scheduling.
/// </summary>
public sealed class ProtocolThreadSchedulingTests
{
    // (policy, real-time priority) of a thread, from /proc (fields 41 and 40 of stat; the name may hold spaces).
    private static (int Policy, int Priority) SchedulingOf(int tid)
    {
        string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[38], CultureInfo.InvariantCulture), int.Parse(fields[37], CultureInfo.InvariantCulture)); // fields 3.. after the name
    }

    private static int TimerThread()
    {
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "vrrp-precise-ti")
            {
                return int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no precise timer thread");
    }

    [Fact]
    public void The_timer_thread_runs_at_the_real_time_priority_set_and_back_at_normal_scheduling()
    {
        NetnsLab.RequireRoot(); // CAP_SYS_NICE
        using var time = new PreciseTimeProvider();
        using var fired = new ManualResetEventSlim();
        using ITimer first = time.CreateTimer(_ => fired.Set(), null, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        Assert.True(fired.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        int tid = TimerThread();
        try
        {
            ProtocolThreadScheduling.SetRealTimePriority(10);
            Assert.Equal((2, 10), SchedulingOf(tid)); // SCHED_RR
        }
        finally
        {
            ProtocolThreadScheduling.SetRealTimePriority(0);
        }

        Assert.Equal((0, 0), SchedulingOf(tid)); // SCHED_OTHER
    }

    [Fact]
    public void A_timer_late_by_more_than_the_delay_raises_the_priority_a_step_up_to_the_maximum()
    {
        // Input: max_auto_priority 2, min_auto_priority_delay 20 ms; a callback holds the timer thread 150 ms while two
        // more timers come due, three times over.
        // Expected: each late expiry raises the priority a step, from normal scheduling to 1, then 2, never past it.
        NetnsLab.RequireRoot();
        using var time = new PreciseTimeProvider();
        ProtocolThreadScheduling.MaxAutoPriority = 2;
        ProtocolThreadScheduling.MinAutoPriorityDelay = TimeSpan.FromMilliseconds(20);
        long before = ProtocolThreadScheduling.AutoRaises;
        try
        {
            for (int round = 0; round < 3; round++)
            {
                using var done = new CountdownEvent(2);
                using ITimer busy = time.CreateTimer(_ => { done.Wait(TimeSpan.FromMilliseconds(150)); }, null, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                using ITimer late = time.CreateTimer(_ => done.Signal(), null, TimeSpan.FromMilliseconds(5), Timeout.InfiniteTimeSpan);
                using ITimer later = time.CreateTimer(_ => done.Signal(), null, TimeSpan.FromMilliseconds(6), Timeout.InfiniteTimeSpan);
                Assert.True(done.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            }

            Assert.Equal(2, ProtocolThreadScheduling.RealTimePriority);
            Assert.Equal(2, ProtocolThreadScheduling.AutoRaises - before);
            Assert.Equal((2, 2), SchedulingOf(TimerThread()));
        }
        finally
        {
            ProtocolThreadScheduling.MaxAutoPriority = 0;
            ProtocolThreadScheduling.MinAutoPriorityDelay = TimeSpan.FromSeconds(1);
            ProtocolThreadScheduling.SetRealTimePriority(0);
        }
    }
}
