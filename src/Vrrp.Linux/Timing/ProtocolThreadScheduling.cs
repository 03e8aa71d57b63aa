using System.Runtime.InteropServices;

namespace Vrrp.Linux.Timing;

/// <summary>
/// The scheduling of the threads that run the protocol: the precise timer's and the raw sockets' receive loops.
/// keepalived's <c>vrrp_rt_priority</c> (<see cref="SetRealTimePriority"/>) and <c>max_auto_priority</c> with
/// <c>min_auto_priority_delay</c> (<see cref="MaxAutoPriority"/>, <see cref="MinAutoPriorityDelay"/>): real-time
/// round-robin scheduling, set at once or raised a step each time a timer fires later than the delay.
/// </summary>
/// <remarks>
/// At normal scheduling (the default) the protocol threads ask the fair scheduler for its shortest slice, so that a
/// timer thread waking among busy thread pool threads gets a core at once.
/// Process-wide, as keepalived's is: the protocol threads of every router share it. Only those threads are changed,
/// never the thread pool that runs handlers and seams, and children never inherit it (<c>SCHED_RESET_ON_FORK</c>).
/// Needs CAP_SYS_NICE (root has it).
/// </remarks>
public static partial class ProtocolThreadScheduling
{
    private const int SCHED_OTHER = 0;
    private const int SCHED_FIFO = 1;
    private const int SCHED_RR = 2;
    private const int SCHED_RESET_ON_FORK = 0x40000000;
    private static readonly object s_gate = new();
    private static readonly HashSet<int> s_threads = [];
    private const int PRIO_PROCESS = 0;
    private const int RLIMIT_RTTIME = 15;
    private static int s_priority;
    private static long s_autoRaises;
    private static int? s_nice;
    private static int? s_originalNice;
    private static TimeSpan? s_realTimeLimit;
    private static ResourceLimit? s_originalRealTimeLimit;
    private static PosixSignalRegistration? s_cpuLimitSignal;

    /// <summary>Gets the real-time priority the protocol threads run at: 0 for normal scheduling, else 1 to 99 (SCHED_RR).</summary>
    public static int RealTimePriority => Volatile.Read(ref s_priority);

    /// <summary>
    /// Gets or sets the highest real-time priority a late timer may raise the protocol threads to (keepalived's
    /// <c>max_auto_priority</c>): 0, the default, never raises.
    /// </summary>
    public static int MaxAutoPriority
    {
        get;
        set => field = value is >= 0 and <= 99 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxAutoPriority must be 0 (off) to 99.");
    }

    /// <summary>Gets or sets how late a timer must fire before the priority is raised a step (keepalived's <c>min_auto_priority_delay</c>): 1 s by default.</summary>
    public static TimeSpan MinAutoPriorityDelay
    {
        get;
        set => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MinAutoPriorityDelay must be positive.");
    } = TimeSpan.FromSeconds(1);

    /// <summary>Gets how many times a late timer raised the priority.</summary>
    public static long AutoRaises => Interlocked.Read(ref s_autoRaises);

    /// <summary>Raised (on the late timer's thread) when a late timer raised the priority: the new priority.</summary>
    public static event EventHandler<int>? PriorityRaised;

    /// <summary>Gets the nice value the protocol threads run at under normal scheduling (keepalived's <c>vrrp_priority</c>), or <see langword="null"/> when it is the process's own.</summary>
    public static int? Nice => s_nice;

    /// <summary>
    /// Gets the most CPU time a protocol thread at real-time priority may use without a blocking call (keepalived's
    /// <c>vrrp_rlimit_rttime</c>, <c>RLIMIT_RTTIME</c> with a soft limit of half): past half, the process gets SIGXCPU
    /// (<see cref="RealTimeLimitApproached"/>); past the whole, the kernel kills it. <see langword="null"/>: no limit of ours.
    /// </summary>
    public static TimeSpan? RealTimeLimit => s_realTimeLimit;

    /// <summary>Raised (on the signal thread) when a protocol thread at real-time priority used half its <see cref="RealTimeLimit"/> without a blocking call.</summary>
    public static event EventHandler? RealTimeLimitApproached;

    /// <summary>Runs the protocol threads at a nice value under normal scheduling (keepalived's <c>vrrp_priority</c>), or back at the process's own with <see langword="null"/>.</summary>
    /// <param name="nice">-20 (most favoured) to 19, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_SYS_NICE to lower its nice value.</exception>
    public static void SetNice(int? nice)
    {
        if (nice is < -20 or > 19)
        {
            throw new ArgumentOutOfRangeException(nameof(nice), nice, "The nice value must be -20 to 19.");
        }

        lock (s_gate)
        {
            if (nice is null && s_originalNice is null)
            {
                return; // never changed
            }

            if (s_originalNice is null)
            {
                Marshal.SetLastPInvokeError(0);
                int current = getpriority(PRIO_PROCESS, 0); // -1 is a nice value too: errno tells
                s_originalNice = Marshal.GetLastPInvokeError() == 0 ? current : 0;
            }

            s_nice = nice;
            if (s_priority == 0)
            {
                foreach (int thread in s_threads)
                {
                    ApplyNice(thread, throwOnFailure: true);
                }
            }
        }
    }

    /// <summary>Sets <see cref="RealTimeLimit"/>, applied once the protocol threads run at real-time priority; <see langword="null"/> puts back the process's limit.</summary>
    /// <param name="limit">From 2 µs (keepalived's least) to 4,294 s, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is out of range.</exception>
    /// <exception cref="UnauthorizedAccessException">The limit is above the process's hard limit, or putting the process's back raises it, and the process lacks CAP_SYS_RESOURCE (the soft limit is then raised to the hard one).</exception>
    public static void SetRealTimeLimit(TimeSpan? limit)
    {
        if (limit is { } value && (value.Ticks < 20 || value.TotalMicroseconds > uint.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The real-time limit must be 2 µs to 4294967295 µs.");
        }

        lock (s_gate)
        {
            TimeSpan? previous = s_realTimeLimit;
            s_realTimeLimit = limit;
            try
            {
                ApplyRealTimeLimit(throwOnFailure: true);
            }
            catch when (limit is not null)
            {
                s_realTimeLimit = previous; // not in force: a later call tries again
                throw;
            }
        }
    }

    /// <summary>Runs the protocol threads, those running and those to come, at a real-time priority (keepalived's <c>vrrp_rt_priority</c>), or back at normal scheduling with 0.</summary>
    /// <param name="priority">0 (normal scheduling) to 99.</param>
    /// <exception cref="ArgumentOutOfRangeException">The priority is out of range.</exception>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_SYS_NICE.</exception>
    public static void SetRealTimePriority(int priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 99);
        lock (s_gate)
        {
            foreach (int thread in s_threads)
            {
                Apply(thread, priority, throwOnFailure: true);
            }

            Volatile.Write(ref s_priority, priority);
            ApplyRealTimeLimit(throwOnFailure: false); // the threads are moved already: a refused limit is SetRealTimeLimit's to report
        }
    }

    /// <summary>Runs a protocol thread's body enlisted: at the current priority, and at every later one.</summary>
    internal static void Run(Action body)
    {
        Enlist();
        try
        {
            body();
        }
        finally
        {
            Delist();
        }
    }

    /// <summary>Called by a protocol thread as it starts: runs it at the current priority from now on.</summary>
    internal static void Enlist()
    {
        int thread = gettid();
        lock (s_gate)
        {
            s_threads.Add(thread);
            Apply(thread, s_priority, throwOnFailure: false);
        }
    }

    /// <summary>Called by a protocol thread as it ends.</summary>
    internal static void Delist()
    {
        int thread = gettid();
        lock (s_gate)
        {
            s_threads.Remove(thread);
        }
    }

    /// <summary>Called by the timer thread when a timer fired <paramref name="lateTicks"/> Stopwatch ticks after its time.</summary>
    internal static void ReportLateness(long lateTicks)
    {
        int max = MaxAutoPriority;
        if (max == 0 || lateTicks <= MinAutoPriorityDelay.Ticks * (System.Diagnostics.Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond) || Volatile.Read(ref s_priority) >= max)
        {
            return;
        }

        int raised;
        lock (s_gate)
        {
            raised = s_priority + 1; // from normal scheduling to SCHED_RR's lowest, 1, as keepalived does
            foreach (int thread in s_threads)
            {
                Apply(thread, raised, throwOnFailure: false);
            }

            Volatile.Write(ref s_priority, raised);
            ApplyRealTimeLimit(throwOnFailure: false);
        }

        Interlocked.Increment(ref s_autoRaises);
        PriorityRaised?.Invoke(null, raised);
    }

    private static unsafe void Apply(int thread, int priority, bool throwOnFailure)
    {
        // Back to normal scheduling (and a short slice) in one call where the kernel has sched_setattr; else as before.
        int parameter = priority;
        if (!(priority == 0 && RequestShortSlice(thread))
            && sched_setscheduler(thread, priority == 0 ? SCHED_OTHER : SCHED_RR | SCHED_RESET_ON_FORK, &parameter) != 0 && throwOnFailure)
        {
            throw Interop.Errno.Failure($"sched_setscheduler(SCHED_RR, {priority})", Marshal.GetLastPInvokeError(), "CAP_SYS_NICE");
        }

        if (priority == 0)
        {
            ApplyNice(thread, throwOnFailure);
        }
    }

    // keepalived's vrrp_priority applies at normal scheduling only, as there.
    private static void ApplyNice(int thread, bool throwOnFailure)
    {
        if ((s_nice ?? s_originalNice) is { } nice && setpriority(PRIO_PROCESS, thread, nice) != 0 && throwOnFailure)
        {
            throw Interop.Errno.Failure($"setpriority({nice})", Marshal.GetLastPInvokeError(), "CAP_SYS_NICE");
        }
    }

    // RLIMIT_RTTIME is the process's, and counts only at real-time priority: ours is set when the protocol threads first
    // run there with a limit, soft at half as keepalived's (SIGXCPU first, handled, so only the hard limit kills), and
    // kept when they go back to normal scheduling, where it counts for nothing. Dropping the limit puts the process's
    // back, which needs CAP_SYS_RESOURCE when that raises the hard limit: without it the soft limit goes up to ours.
    private static unsafe void ApplyRealTimeLimit(bool throwOnFailure)
    {
        ResourceLimit wanted;
        if (s_realTimeLimit is { } limit)
        {
            if (s_priority == 0)
            {
                return;
            }

            if (s_originalRealTimeLimit is null)
            {
                ResourceLimit original;
                if (getrlimit(RLIMIT_RTTIME, &original) != 0)
                {
                    if (throwOnFailure)
                    {
                        throw Interop.Errno.Failure("getrlimit(RLIMIT_RTTIME)", Marshal.GetLastPInvokeError());
                    }

                    return;
                }

                s_originalRealTimeLimit = original;
            }

            s_cpuLimitSignal ??= PosixSignalRegistration.Create((PosixSignal)24 /* SIGXCPU */, static context =>
            {
                context.Cancel = true; // the soft limit's signal warns; its default action would end the process
                RealTimeLimitApproached?.Invoke(null, EventArgs.Empty);
            });
            ulong microseconds = (ulong)limit.TotalMicroseconds;
            wanted = new ResourceLimit { Current = microseconds / 2, Maximum = microseconds };
        }
        else if (s_originalRealTimeLimit is { } original)
        {
            s_originalRealTimeLimit = null;
            if (setrlimit(RLIMIT_RTTIME, &original) == 0)
            {
                return;
            }

            int errno = Marshal.GetLastPInvokeError();
            ResourceLimit current;
            if (getrlimit(RLIMIT_RTTIME, &current) == 0)
            {
                current.Current = current.Maximum;
                _ = setrlimit(RLIMIT_RTTIME, &current);
            }

            if (throwOnFailure)
            {
                throw Interop.Errno.Failure($"setrlimit(RLIMIT_RTTIME) back to the process's limit (the hard limit stays {current.Maximum} µs)", errno, "CAP_SYS_RESOURCE");
            }

            return;
        }
        else
        {
            return;
        }

        if (setrlimit(RLIMIT_RTTIME, &wanted) != 0 && throwOnFailure)
        {
            throw Interop.Errno.Failure($"setrlimit(RLIMIT_RTTIME, {wanted.Maximum} µs)", Marshal.GetLastPInvokeError(), "CAP_SYS_RESOURCE");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getpriority(int which, int who);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int priority);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int getrlimit(int resource, ResourceLimit* limit);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int setrlimit(int resource, ResourceLimit* limit);

    /// <summary>
    /// Asks the kernel's fair scheduler for its shortest slice (EEVDF's custom slice, Linux 6.12 and later; older
    /// kernels ignore it). A protocol thread that wakes then preempts a thread pool thread mid-slice instead of waiting
    /// up to a whole base slice (1.4 ms on a 2-core machine) for a core. Needs no privilege, keeps the thread's nice.
    /// </summary>
    /// <returns>False when the kernel has no sched_getattr/sched_setattr for us.</returns>
    /// <remarks>
    /// A policy an administrator chose for the process (SCHED_BATCH, SCHED_IDLE: systemd's CPUSchedulingPolicy=) is
    /// kept; only a real-time one of ours goes back to SCHED_OTHER.
    /// </remarks>
    private static unsafe bool RequestShortSlice(int thread)
    {
        if (SchedSetattr == 0)
        {
            return false;
        }

        SchedAttr attr = default;
        if (Syscall(SchedGetattr, thread, &attr, sizeof(SchedAttr), 0) != 0)
        {
            return false;
        }

        attr.Size = (uint)sizeof(SchedAttr);
        if (attr.Policy is SCHED_FIFO or SCHED_RR)
        {
            attr.Policy = SCHED_OTHER;
            attr.Priority = 0;
        }

        attr.Flags = SCHED_FLAG_RESET_ON_FORK;
        attr.Runtime = ShortestSliceNanoseconds;
        return Syscall(SchedSetattr, thread, &attr, 0, 0) == 0;
    }

    private const ulong SCHED_FLAG_RESET_ON_FORK = 0x01;
    private const ulong ShortestSliceNanoseconds = 100_000; // the kernel clamps a custom slice to 0.1–100 ms

    // glibc 2.36 has no wrappers for sched_getattr and sched_setattr.
    private static nint SchedSetattr => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 314,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 274,
        _ => 0,
    };

    private static nint SchedGetattr => SchedSetattr == 0 ? 0 : SchedSetattr + 1;

    /// <summary>struct sched_attr, its first version (SCHED_ATTR_SIZE_VER0, 48 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SchedAttr
    {
        public uint Size;
        public uint Policy;
        public ulong Flags;
        public int Nice;
        public uint Priority;
        public ulong Runtime;
        public ulong Deadline;
        public ulong Period;
    }

    // Every argument register-wide, as in PreciseTimeProvider's futex call.
    [LibraryImport("libc", EntryPoint = "syscall")]
    private static unsafe partial nint Syscall(nint number, nint thread, SchedAttr* attr, nint size, nint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int sched_setscheduler(int pid, int policy, int* parameter);

    [LibraryImport("libc")]
    private static partial int gettid();
}
