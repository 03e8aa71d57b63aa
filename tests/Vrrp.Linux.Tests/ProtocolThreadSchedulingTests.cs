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

    // The newest precise timer thread: an earlier test's may still be ending.
    private static int TimerThread()
    {
        int newest = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "vrrp-precise-ti")
            {
                newest = Math.Max(newest, int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture));
            }
        }

        return newest > 0 ? newest : throw new InvalidOperationException("no precise timer thread");
    }

    // The fair scheduler's slice of a thread in ns, from /proc's scheduler statistics; null where the kernel shows none.
    private static long? SliceOf(string task)
    {
        string path = Path.Combine(task, "sched");
        if (!File.Exists(path))
        {
            return null; // a kernel without CONFIG_SCHED_DEBUG
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("se.slice", StringComparison.Ordinal))
            {
                return long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [Fact]
    public void At_normal_scheduling_the_timer_thread_asks_for_the_shortest_fair_slice_and_other_threads_keep_theirs()
    {
        // Input: a precise timer at normal scheduling (no vrrp_rt_priority), unprivileged.
        // Expected: its thread runs with the fair scheduler's shortest slice (0.1 ms), so that on waking it preempts a
        // thread pool thread mid-slice (measured before: with 255 takeovers' address changes and announcements on the
        // thread pool, the timer thread waited up to 3.6 ms for a core, and later routers' takeovers with it); the
        // test's own thread keeps the default.
        long? defaultSlice = SliceOf("/proc/thread-self");
        if (defaultSlice is null || Environment.OSVersion.Version < new Version(6, 12))
        {
            Assert.Skip($"this kernel ({Environment.OSVersion.Version}) shows or honours no fair slice per thread (EEVDF's custom slices came in Linux 6.12)");
        }

        using var time = new PreciseTimeProvider();
        using var fired = new ManualResetEventSlim();
        using ITimer first = time.CreateTimer(_ => fired.Set(), null, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        Assert.True(fired.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Equal(100_000, SliceOf($"/proc/self/task/{TimerThread()}"));
        Assert.NotEqual(100_000, SliceOf("/proc/thread-self"));
        Assert.Equal((0, 0), SchedulingOf(TimerThread()));
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sched_setscheduler(int pid, int policy, ref int parameter);

    [Fact]
    public void An_administrators_sched_batch_is_kept_with_the_short_slice()
    {
        // Input: the timer thread runs SCHED_BATCH (an administrator's choice, as systemd's CPUSchedulingPolicy=batch
        // makes it); the protocol threads are set back to normal scheduling (vrrp_rt_priority gone on a reload).
        // Expected: the thread keeps SCHED_BATCH and has the short slice. Before the review's fix: it was forced to
        // SCHED_OTHER.
        if (SliceOf("/proc/thread-self") is null || Environment.OSVersion.Version < new Version(6, 12))
        {
            Assert.Skip($"this kernel ({Environment.OSVersion.Version}) shows or honours no fair slice per thread");
        }

        using var time = new PreciseTimeProvider();
        using var fired = new ManualResetEventSlim();
        using ITimer first = time.CreateTimer(_ => fired.Set(), null, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        Assert.True(fired.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        int tid = TimerThread();
        int none = 0;
        // SCHED_RESET_ON_FORK kept: the protocol threads have it, and only a privileged process may clear it.
        Assert.Equal(0, sched_setscheduler(tid, 3 /* SCHED_BATCH */ | 0x40000000 /* SCHED_RESET_ON_FORK */, ref none));
        try
        {
            ProtocolThreadScheduling.SetRealTimePriority(0);
            Assert.Equal((3, 0), SchedulingOf(tid));
            Assert.Equal(100_000, SliceOf($"/proc/self/task/{tid}"));
        }
        finally
        {
            _ = sched_setscheduler(tid, 0x40000000 /* SCHED_OTHER, SCHED_RESET_ON_FORK */, ref none);
        }
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
