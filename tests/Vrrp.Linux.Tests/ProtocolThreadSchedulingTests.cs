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

    private static int NiceOf(int tid)
    {
        string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture); // field 19
    }

    // "Max realtime timeout  SOFT  HARD  us" of /proc/self/limits.
    private static string RealTimeTimeout() =>
        File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max realtime timeout", StringComparison.Ordinal))["Max realtime timeout".Length..].Trim();

    [Fact]
    public void Vrrp_priority_sets_the_nice_value_of_the_protocol_threads_and_null_puts_the_process_value_back()
    {
        // Input: keepalived's vrrp_priority 5, then dropped on a reload. Before: warned "not run", nice untouched.
        NetnsLab.RequireRoot(); // CAP_SYS_NICE to go back from 5
        using var time = new PreciseTimeProvider();
        using var fired = new ManualResetEventSlim();
        using ITimer first = time.CreateTimer(_ => fired.Set(), null, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        Assert.True(fired.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        int tid = TimerThread();
        int before = NiceOf(tid);
        try
        {
            ProtocolThreadScheduling.SetNice(5);
            Assert.Equal(5, NiceOf(tid));
            Assert.Equal(before, NiceOf(gettid())); // only protocol threads
        }
        finally
        {
            ProtocolThreadScheduling.SetNice(null);
        }

        Assert.Equal(before, NiceOf(tid));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolThreadScheduling.SetNice(20));
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int gettid();

    // CAP_SYS_RESOURCE (bit 24 of CapEff): may the process raise a hard limit again?
    private static bool MayRaiseHardLimits() =>
        (ulong.Parse(File.ReadLines("/proc/self/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal))[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 24)) != 0;

    [Fact]
    public void Vrrp_rlimit_rttime_holds_at_real_time_priority_and_its_soft_half_warns_instead_of_killing()
    {
        // Input: vrrp_rlimit_rttime 4 s with vrrp_rt_priority 10; a protocol thread spins without a blocking call until
        // the soft limit's signal is reported, 3 s at most (the hard limit, 4 s, would kill the test host).
        // Expected: RLIMIT_RTTIME is 2000000/4000000 µs from the moment the threads are at real-time priority; SIGXCPU
        // at the soft half is handled (its default action ends the process) and reported. Dropping the limit puts the
        // process's back where CAP_SYS_RESOURCE allows, else raises the soft limit to the hard one and says so.
        NetnsLab.RequireRoot();
        string before = RealTimeTimeout();
        using var approached = new ManualResetEventSlim();
        EventHandler handler = (_, _) => approached.Set();
        ProtocolThreadScheduling.RealTimeLimitApproached += handler;
        try
        {
            ProtocolThreadScheduling.SetRealTimeLimit(TimeSpan.FromSeconds(4));
            Assert.Equal(before, RealTimeTimeout()); // not at real-time priority yet
            ProtocolThreadScheduling.SetRealTimePriority(10);
            Assert.StartsWith("2000000              4000000", RealTimeTimeout(), StringComparison.Ordinal);
            var spin = new Thread(() => ProtocolThreadScheduling.Run(() =>
            {
                long end = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * 3;
                while (!approached.IsSet && System.Diagnostics.Stopwatch.GetTimestamp() < end)
                {
                    // no system call: the vDSO reads the clock, and IsSet reads a field
                }
            }));
            spin.Start();
            spin.Join();
            Assert.True(approached.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken), "SIGXCPU at the soft limit was reported");
        }
        catch
        {
            try
            {
                ProtocolThreadScheduling.SetRealTimeLimit(null); // never leave a later test with our limit
            }
            catch (UnauthorizedAccessException)
            {
                // no CAP_SYS_RESOURCE: the soft limit is raised to the hard one, the most that can be done
            }

            throw;
        }
        finally
        {
            ProtocolThreadScheduling.RealTimeLimitApproached -= handler;
            ProtocolThreadScheduling.SetRealTimePriority(0);
        }

        if (MayRaiseHardLimits() || before.StartsWith("4000000 ", StringComparison.Ordinal))
        {
            ProtocolThreadScheduling.SetRealTimeLimit(null);
            Assert.Equal(before, RealTimeTimeout());
        }
        else
        {
            UnauthorizedAccessException e = Assert.Throws<UnauthorizedAccessException>(() => ProtocolThreadScheduling.SetRealTimeLimit(null));
            Assert.Contains("the hard limit stays 4000000 µs", e.Message, StringComparison.Ordinal);
            Assert.StartsWith("4000000              4000000", RealTimeTimeout(), StringComparison.Ordinal);
        }

        Assert.Null(ProtocolThreadScheduling.RealTimeLimit);
    }

    [Fact]
    public void Vrrp_cpu_affinity_pins_every_thread_and_an_empty_list_puts_the_mask_back()
    {
        // Input: keepalived's vrrp_cpu_affinity 0, then dropped. Before: warned "not run".
        static string? Allowed(string task)
        {
            try
            {
                return File.ReadLines(Path.Combine(task, "status")).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))["Cpus_allowed_list:".Length..].Trim();
            }
            catch (IOException)
            {
                return null; // a thread that ended meanwhile
            }
        }

        string before = Allowed("/proc/self")!;
        try
        {
            ProcessCpuAffinity.Set([0]);
            Assert.All(Directory.GetDirectories("/proc/self/task").Select(Allowed).OfType<string>(), allowed => Assert.Equal("0", allowed));
            string? later = null;
            var thread = new Thread(() => later = Allowed("/proc/thread-self"));
            thread.Start();
            thread.Join();
            Assert.Equal("0", later); // inherited
            Assert.Equal([0], ProcessCpuAffinity.Cpus);
        }
        finally
        {
            ProcessCpuAffinity.Set([]);
        }

        Assert.Equal(before, Allowed("/proc/self"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessCpuAffinity.Set([1024]));
        Assert.Throws<IOException>(() => ProcessCpuAffinity.Set([1023])); // no such CPU online: the kernel's EINVAL
        Assert.Equal(before, Allowed("/proc/self"));
    }
}
