using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vrrp.Linux.Timing;

/// <summary>
/// A <see cref="TimeProvider"/> whose timers fire within a fraction of a millisecond of their due time: one dedicated
/// thread sleeps in the kernel until the next due time (<c>futex(2)</c> with a nanosecond timeout, on a word that
/// arming an earlier timer from another thread changes and wakes), so each expiry costs one wakeup and an idle provider
/// none.
/// </summary>
/// <remarks>
/// The system timers tick in whole milliseconds and fire a few milliseconds late under load; at a 10 ms advertisement
/// interval that is a visible share of Skew_Time. Callbacks run on the timer thread, one at a time, and must be short:
/// a virtual router's handlers are. A callback that re-arms a timer (an advertisement timer after each send) does not
/// wake the thread (no system call): the thread looks at the queue again before it sleeps. Clock readings and
/// <see cref="TimeProvider.GetTimestamp"/> are the system's (CLOCK_MONOTONIC).
/// </remarks>
public sealed unsafe partial class PreciseTimeProvider : TimeProvider, IDisposable
{
    private const int FUTEX_WAIT_PRIVATE = 0 | 128;
    private const int FUTEX_WAKE_PRIVATE = 1 | 128;

    // The cheapest sleep the kernel has that another thread can end: a futex wait needs no file descriptor, no poll
    // table and no read to consume the wake (ppoll on an eventfd, the descriptor look-up and the eventfd's poll were
    // ~9 % of the daemon's CPU per advert at one router), and its timeout gets the thread's timer slack (50 µs) where
    // ppoll's grows with the timeout (0.1 % of it).
    private static readonly nint s_futex = FutexSyscallNumber();

    private readonly Lock _gate = new();
    // Ordered by due time alone: a long compares without the interface calls a tuple's comparer makes on every sift.
    // Entries that a later Change made stale stay in the queue with their old version and are skipped when they come up.
    private readonly PriorityQueue<Entry, long> _queue = new();
    // Bumped by every wake; the thread sleeps only while it still holds the value it read under _gate, so a wake that
    // comes between that read and the sleep is not lost. Pinned: the kernel keys the wait by its address.
    private readonly int[] _wakeWord = GC.AllocateArray<int>(1, pinned: true);
    private readonly Thread _thread;
    private readonly int _threadId; // read on every arming: the Thread object is a cache line the timer path need not touch
    private long _sequence;
    private volatile bool _disposed;

    /// <summary>Starts the timer thread.</summary>
    /// <exception cref="PlatformNotSupportedException">Not a 64-bit Linux architecture.</exception>
    public PreciseTimeProvider()
    {
        if (s_futex == 0)
        {
            throw new PlatformNotSupportedException($"{nameof(PreciseTimeProvider)} runs on 64-bit Linux; this process is {RuntimeInformation.ProcessArchitecture}.");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "vrrp-precise-timers", Priority = ThreadPriority.AboveNormal };
        _threadId = _thread.ManagedThreadId;
        _thread.Start();

        // Fire one timer now: the first real expiry (a backup's takeover) must not pay for compiling this path.
        using var fired = new ManualResetEventSlim();
        using (ITimer warmup = CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), fired, TimeSpan.Zero, Timeout.InfiniteTimeSpan))
        {
            fired.Wait(TimeSpan.FromSeconds(5));
        }
    }

    /// <inheritdoc/>
    public override long TimestampFrequency => Stopwatch.Frequency;

    /// <inheritdoc/>
    public override long GetTimestamp() => Stopwatch.GetTimestamp();

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new PreciseTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        Wake();
        _ = _thread.Join(TimeSpan.FromSeconds(2));
    }

    /// <summary>
    /// The sleep until a due time <paramref name="ticks"/> away, in whole nanoseconds rounded up: the thread must never
    /// wake before the due time and go round again for a remainder.
    /// </summary>
    /// <remarks>
    /// Integer arithmetic, whole seconds and remainder apart so that nothing overflows: Math.Ceiling on a double showed
    /// in the timer thread's profile at a 10 ms interval.
    /// </remarks>
    internal static long WaitNanoseconds(long ticks)
    {
        if (ticks <= 0)
        {
            return 0;
        }

        const long LongestSleepSeconds = long.MaxValue / 2 / 1_000_000_000; // centuries: as good as for ever
        long frequency = Stopwatch.Frequency;
        long seconds = ticks / frequency;
        return seconds >= LongestSleepSeconds
            ? LongestSleepSeconds * 1_000_000_000
            : (seconds * 1_000_000_000) + ((((ticks % frequency) * 1_000_000_000) + frequency - 1) / frequency);
    }

    // Under _gate (taken once by the caller: a nested hold is Monitor's slow path, and it showed in the profile).
    private void Schedule(PreciseTimer timer, long due)
    {
        _queue.Enqueue(new Entry(timer, timer.Version), due);
        if (_queue.TryPeek(out Entry head, out _) && head.Timer == timer && Environment.CurrentManagedThreadId != _threadId)
        {
            Wake(); // a new earliest timer: the thread must shorten its sleep (its own callbacks need not tell it)
        }
    }

    private void Wake()
    {
        _ = Interlocked.Increment(ref _wakeWord[0]);
        _ = Syscall(s_futex, WakeWord, FUTEX_WAKE_PRIVATE, 1, null, null, 0); // the timer thread, if it sleeps
    }

    private int* WakeWord => (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_wakeWord));

    private void Run() => ProtocolThreadScheduling.Run(RunTimers);

    private void RunTimers()
    {
        while (!_disposed)
        {
            PreciseTimer? timer = null;
            long sleep = -1;
            long late = 0; // when the timer taken was due
            int woken;
            lock (_gate)
            {
                woken = Volatile.Read(ref _wakeWord[0]);
                // Skip entries that a later Change or a Dispose made stale.
                while (_queue.TryPeek(out Entry head, out long due))
                {
                    if (head.Version != head.Timer.Version || head.Timer.Due != due)
                    {
                        _queue.Dequeue();
                        continue;
                    }

                    long now = Stopwatch.GetTimestamp();
                    if (due > now)
                    {
                        sleep = WaitNanoseconds(due - now);
                        break;
                    }

                    // Due: take it in the same hold of the lock that found it, so one expiry costs one lock.
                    _queue.Dequeue();
                    late = due;
                    timer = head.Timer;
                    timer.Due = 0;
                    if (timer.PeriodTicks > 0)
                    {
                        timer.Due = due + timer.PeriodTicks;
                        timer.Version = ++_sequence;
                        _queue.Enqueue(new Entry(timer, timer.Version), timer.Due);
                    }

                    break;
                }
            }

            if (timer is not null)
            {
                ProtocolThreadScheduling.ReportLateness(Stopwatch.GetTimestamp() - late);
                timer.Invoke();
            }
            else if (!Sleep(sleep, woken))
            {
                return; // disposed; otherwise due, or woken for an earlier timer: the loop looks again
            }
        }
    }

    /// <summary>
    /// Sleeps <paramref name="nanoseconds"/> (-1: until woken) or until <see cref="Wake"/>, unless a wake came since
    /// the wake word read <paramref name="woken"/>. Returns <see langword="false"/> once the provider is disposed.
    /// </summary>
    private bool Sleep(long nanoseconds, int woken)
    {
        if (_disposed)
        {
            return false;
        }

        var timeout = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        // ETIMEDOUT, a wake, EAGAIN (the word moved on before the wait) or EINTR: the loop looks again in every case.
        _ = Syscall(s_futex, WakeWord, FUTEX_WAIT_PRIVATE, woken, nanoseconds < 0 ? null : &timeout, null, 0);
        return true;
    }

    // SYS_futex of the 64-bit architectures .NET runs on (the Timespec below is their layout); 0 for any other.
    private static nint FutexSyscallNumber() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 98,
        Architecture.Ppc64le => 221,
        Architecture.S390x => 238,
        _ => 0,
    };

    // glibc has no futex wrapper. Every argument is register-wide: syscall(2) hands the registers to the kernel as they
    // are. errno unread: every outcome sends the loop round again.
    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial nint Syscall(nint number, int* address, nint operation, nint value, Timespec* timeout, int* address2, nint value3);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>A queued expiry: stale once the timer's version has moved on.</summary>
    private readonly record struct Entry(PreciseTimer Timer, long Version);

    private sealed class PreciseTimer(PreciseTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long Due { get; set; }

        public long Version { get; set; }

        public long PeriodTicks { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                PeriodTicks = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : period.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    Due = 0;
                    Version = ++owner._sequence; // every queued entry of this timer is now stale
                    return true;
                }

                Due = Stopwatch.GetTimestamp() + (Math.Max(0, dueTime.Ticks) * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
                Version = ++owner._sequence;
                owner.Schedule(this, Due);
                return true;
            }
        }

        public void Invoke()
        {
            try
            {
                callback(state);
            }
#pragma warning disable CA1031 // one failing callback must not stop every timer of the process
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        public void Dispose() => Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
