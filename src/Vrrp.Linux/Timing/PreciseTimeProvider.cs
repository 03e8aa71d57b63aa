using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vrrp.Linux.Timing;

/// <summary>
/// A <see cref="TimeProvider"/> whose timers fire within a fraction of a millisecond of their due time: one dedicated
/// thread waits on an event until about 2 ms before the next due time (so arming an earlier timer wakes it), then
/// sleeps in the kernel until the absolute deadline (<c>clock_nanosleep</c> on CLOCK_MONOTONIC, TIMER_ABSTIME).
/// </summary>
/// <remarks>
/// The system timers tick in whole milliseconds and fire a few milliseconds late under load; at a 10 ms advertisement
/// interval that is a visible share of Skew_Time. Callbacks run on the timer thread, one at a time, and must be short:
/// a virtual router's handlers are. Clock readings and <see cref="TimeProvider.GetTimestamp"/> are the system's.
/// </remarks>
public sealed unsafe partial class PreciseTimeProvider : TimeProvider, IDisposable
{
    private const int CLOCK_MONOTONIC = 1;
    private const int TIMER_ABSTIME = 1;
    private static readonly long s_spinWindowTicks = Stopwatch.Frequency / 500; // 2 ms

    private readonly object _gate = new();
    private readonly PriorityQueue<PreciseTimer, (long Due, long Sequence)> _queue = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private long _sequence;
    private volatile bool _disposed;

    /// <summary>Starts the timer thread.</summary>
    public PreciseTimeProvider()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "vrrp-precise-timers", Priority = ThreadPriority.AboveNormal };
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
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(2));
        _wake.Dispose();
    }

    private void Schedule(PreciseTimer timer, long due)
    {
        lock (_gate)
        {
            _queue.Enqueue(timer, (due, ++_sequence));
            if (_queue.TryPeek(out PreciseTimer? head, out _) && head == timer)
            {
                _wake.Set();
            }
        }
    }

    private void Run()
    {
        while (!_disposed)
        {
            PreciseTimer? timer;
            long due;
            lock (_gate)
            {
                // Skip entries that a later Change or a Dispose made stale.
                while (_queue.TryPeek(out timer, out (long Due, long Sequence) key) && (timer.Due != key.Due || timer.Version != key.Sequence))
                {
                    _queue.Dequeue();
                }

                due = timer is null ? long.MaxValue : timer.Due;
            }

            long now = Stopwatch.GetTimestamp();
            if (due - now > s_spinWindowTicks)
            {
                long waitTicks = due == long.MaxValue ? Stopwatch.Frequency : due - now - s_spinWindowTicks;
                _wake.WaitOne(WaitMilliseconds(waitTicks));
                continue;
            }

            SleepUntil(due);
            lock (_gate)
            {
                if (!_queue.TryPeek(out PreciseTimer? head, out (long Due, long Sequence) key) || head != timer || key.Due != due || timer.Version != key.Sequence)
                {
                    continue; // re-armed or cancelled while we slept
                }

                _queue.Dequeue();
                timer.Due = 0;
                if (timer.PeriodTicks > 0)
                {
                    timer.Due = due + timer.PeriodTicks;
                    timer.Version = ++_sequence;
                    _queue.Enqueue(timer, (timer.Due, timer.Version));
                }
            }

            timer.Invoke();
        }
    }

    /// <summary>
    /// The event wait in whole milliseconds, rounded up and at most one second. Waits take whole milliseconds: rounding
    /// down turned the last fraction of a millisecond before the spin window into a zero wait, and the loop spun up to a
    /// millisecond of CPU for every timer. Rounding up ends the wait at most 1 ms into the 2 ms window, and
    /// <see cref="SleepUntil"/> sleeps the rest in the kernel.
    /// </summary>
    internal static int WaitMilliseconds(long waitTicks) =>
        (int)Math.Clamp((waitTicks * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency, 1, 1000);

    private static void SleepUntil(long due)
    {
        long remaining = due - Stopwatch.GetTimestamp();
        if (remaining <= 0)
        {
            return;
        }

        Timespec now;
        _ = ClockGetTime(CLOCK_MONOTONIC, &now);
        long nanoseconds = (long)(remaining * (1_000_000_000.0 / Stopwatch.Frequency));
        var deadline = new Timespec
        {
            Seconds = now.Seconds + ((now.Nanoseconds + nanoseconds) / 1_000_000_000),
            Nanoseconds = (now.Nanoseconds + nanoseconds) % 1_000_000_000,
        };
        _ = ClockNanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, null);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, Timespec* time);

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, Timespec* request, Timespec* remaining);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

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
                Version = owner._sequence + 1;
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
