using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vrrp.Linux.Timing;

/// <summary>
/// A <see cref="TimeProvider"/> whose timers fire within a fraction of a millisecond of their due time: one dedicated
/// thread sleeps in the kernel until the next due time (<c>ppoll(2)</c> with a nanosecond timeout, on an
/// <c>eventfd(2)</c> that arming an earlier timer from another thread writes to), so each expiry costs one wakeup and an
/// idle provider none.
/// </summary>
/// <remarks>
/// The system timers tick in whole milliseconds and fire a few milliseconds late under load; at a 10 ms advertisement
/// interval that is a visible share of Skew_Time. Callbacks run on the timer thread, one at a time, and must be short:
/// a virtual router's handlers are. A callback that re-arms a timer (an advertisement timer after each send) does not
/// write the event: the thread looks at the queue again before it sleeps. Clock readings and
/// <see cref="TimeProvider.GetTimestamp"/> are the system's (CLOCK_MONOTONIC).
/// </remarks>
public sealed unsafe partial class PreciseTimeProvider : TimeProvider, IDisposable
{
    private const int EFD_CLOEXEC = 0x80000;
    private const int EFD_NONBLOCK = 0x800;
    private const short POLLIN = 0x001;

    private readonly Lock _gate = new();
    // Ordered by due time alone: a long compares without the interface calls a tuple's comparer makes on every sift.
    // Entries that a later Change made stale stay in the queue with their old version and are skipped when they come up.
    private readonly PriorityQueue<Entry, long> _queue = new();
    private readonly SafeFileHandle _wake;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly int _threadId; // read on every arming: the Thread object is a cache line the timer path need not touch
    private long _sequence;
    private volatile bool _disposed;

    /// <summary>Starts the timer thread.</summary>
    /// <exception cref="IOException">eventfd failed (out of descriptors, say).</exception>
    public PreciseTimeProvider()
    {
        int fd = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
        {
            throw new IOException($"eventfd failed: errno {Marshal.GetLastPInvokeError()} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}).");
        }

        _wake = new SafeFileHandle(fd, ownsHandle: true);
        _wakeFd = fd;
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
        if (_thread.Join(TimeSpan.FromSeconds(2)))
        {
            _wake.Dispose(); // never under a thread that may still sleep on it (a callback that does not return)
        }
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
        bool added = false;
        try
        {
            _wake.DangerousAddRef(ref added);
            ulong one = 1;
            _ = Write((int)_wake.DangerousGetHandle(), &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // disposed: the thread is gone
        }
        finally
        {
            if (added)
            {
                _wake.DangerousRelease();
            }
        }
    }

    private void Run()
    {
        while (!_disposed)
        {
            PreciseTimer? timer = null;
            long sleep = -1;
            lock (_gate)
            {
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
                timer.Invoke();
            }
            else if (!Sleep(sleep))
            {
                return; // disposed; otherwise due, or woken for an earlier timer: the loop looks again
            }
        }
    }

    /// <summary>
    /// Sleeps <paramref name="nanoseconds"/> (-1: until woken) or until <see cref="Wake"/>, and consumes the wake.
    /// Returns <see langword="false"/> once the provider is disposed.
    /// </summary>
    private bool Sleep(long nanoseconds)
    {
        // The descriptor is used raw, without the SafeHandle's reference count: only this thread sleeps on it, and
        // Dispose closes it only after this thread has ended.
        if (_disposed)
        {
            return false;
        }

        var poll = new PollFd { Fd = _wakeFd, Events = POLLIN };
        var timeout = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        int ready = PPoll(&poll, 1, nanoseconds < 0 ? null : &timeout, null); // EINTR: the loop looks again
        if (ready > 0)
        {
            ulong count;
            _ = Read(_wakeFd, &count, sizeof(ulong)); // reset the event; non-blocking
        }

        return true;
    }

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "ppoll")] // errno unread: the loop looks again either way
    private static partial int PPoll(PollFd* fds, nuint count, Timespec* timeout, void* signalMask);

    [LibraryImport("libc", EntryPoint = "read")] // errno unread: the loop looks again either way
    private static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write")] // errno unread: the loop looks again either way
    private static partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
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
