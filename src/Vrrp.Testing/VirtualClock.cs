using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Vrrp.Testing;

/// <summary>
/// A discrete-event <see cref="TimeProvider"/>: time stands still until you move it, and moving it fires every
/// timer that falls due, each at its own due time and in order. Use it in your own tests of failover to run
/// one router or a thousand through minutes or hours of protocol time in milliseconds, with the same result on
/// every run.
/// </summary>
/// <remarks>
/// <para>
/// Give the clock to whatever takes a <see cref="TimeProvider"/> (a virtual router, your own health checks),
/// then drive it with <see cref="Advance(TimeSpan)"/>, <see cref="AdvanceTo(DateTimeOffset)"/> or
/// <see cref="RunUntilIdle(TimeSpan)"/>. Moving the clock from <c>T</c> to <c>T + delta</c> fires every timer
/// whose due time is at or before <c>T + delta</c>, ordered by due time and, for equal due times, by the order
/// in which the timers were armed. Before a callback runs, the clock reads exactly that timer's due time, so
/// code that stamps events with <see cref="GetUtcNow"/> sees the times it would see on a real host. A timer
/// armed or re-armed by a callback fires in the same step if its due time is within the target; a timer armed
/// with a zero due time fires right after the callback that armed it (and after any timer already due at that
/// instant).
/// </para>
/// <para>
/// Callbacks run synchronously on the thread that moves the clock, one at a time. Drive the clock from one
/// thread. Other threads may create, change and dispose timers at any time; moving the clock from inside one of
/// its callbacks, or from two threads at once, throws <see cref="InvalidOperationException"/>. If a callback
/// throws, the exception leaves the call that moved the clock; the clock stays at that callback's due time and
/// the timers not yet fired stay pending, so a later call carries on from there.
/// </para>
/// <para>
/// Re-arming a timer with <see cref="ITimer.Change(TimeSpan, TimeSpan)"/> and firing it allocate nothing once
/// the clock has warmed up, so a simulation of many routers with several timers each runs without garbage.
/// The clock starts at 2026-01-01T00:00:00Z unless you pass another start; its local time zone is UTC and its
/// timestamps count 100 ns ticks since the start.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var clock = new VirtualClock();
/// // ... start a master and a backup that both take clock as their TimeProvider ...
/// clock.Advance(TimeSpan.FromSeconds(5));   // the master is elected and advertises
/// // ... stop the master's advertisements ...
/// clock.Advance(TimeSpan.FromSeconds(4));   // Master_Down_Interval passes: the backup takes over
/// </code>
/// </example>
public sealed class VirtualClock : TimeProvider
{
    // Below this many superseded queue entries the queue is never compacted: lazy deletion is cheaper.
    private const int MinStaleEntriesToCompact = 64;

    private static readonly DateTimeOffset s_defaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Lock _lock = new();

    // Every arming enqueues (timer, (due, sequence)) with a fresh sequence; the timer remembers its current
    // sequence (or -1 when disarmed), so an entry whose sequence no longer matches is stale and skipped.
    private readonly PriorityQueue<TimerEntry, (long DueTicks, long Sequence)> _queue = new();
    private readonly long _startUtcTicks;
    private readonly long _maxElapsedTicks;
    private (TimerEntry Timer, (long DueTicks, long Sequence) Priority)[] _compactBuffer = [];
    private long _nowTicks;
    private long _nextSequence;
    private int _staleCount;
    private int _advancingThreadId;

    /// <summary>Creates a clock that starts at 2026-01-01T00:00:00Z.</summary>
    public VirtualClock()
        : this(s_defaultStart)
    {
    }

    /// <summary>Creates a clock that starts at <paramref name="start"/>.</summary>
    /// <param name="start">The clock's first reading; it is converted to UTC.</param>
    public VirtualClock(DateTimeOffset start)
    {
        _startUtcTicks = start.UtcTicks;
        _maxElapsedTicks = DateTimeOffset.MaxValue.UtcTicks - _startUtcTicks;
    }

    /// <summary>Gets the time the clock started at, in UTC.</summary>
    public DateTimeOffset Start => new(_startUtcTicks, TimeSpan.Zero);

    /// <summary>Gets how far the clock has moved since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => new(Volatile.Read(ref _nowTicks));

    /// <summary>Gets the number of armed timers: those that will fire if the clock moves far enough.</summary>
    public int PendingTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count - _staleCount;
            }
        }
    }

    /// <summary>
    /// Gets the due time of the next timer to fire, or <see langword="null"/> when no timer is armed. A timer
    /// due beyond <see cref="DateTimeOffset.MaxValue"/> never fires; it is reported as
    /// <see cref="DateTimeOffset.MaxValue"/>.
    /// </summary>
    public DateTimeOffset? NextDueTime
    {
        get
        {
            lock (_lock)
            {
                if (!TryPeekLive(out _, out long dueTicks))
                {
                    return null;
                }

                return new DateTimeOffset(_startUtcTicks + Math.Min(dueTicks, _maxElapsedTicks), TimeSpan.Zero);
            }
        }
    }

    /// <summary>Gets UTC: a virtual clock has no local time zone of its own.</summary>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Gets the frequency of <see cref="GetTimestamp"/>: <see cref="TimeSpan.TicksPerSecond"/>, one tick per 100 ns.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Gets the clock's current time in UTC; inside a timer callback, that timer's due time.</summary>
    /// <returns><see cref="Start"/> plus <see cref="Elapsed"/>.</returns>
    public override DateTimeOffset GetUtcNow() => new(_startUtcTicks + Volatile.Read(ref _nowTicks), TimeSpan.Zero);

    /// <summary>Gets a timestamp: the number of 100 ns ticks since <see cref="Start"/>.</summary>
    /// <returns>The ticks of <see cref="Elapsed"/>.</returns>
    public override long GetTimestamp() => Volatile.Read(ref _nowTicks);

    /// <summary>
    /// Creates a timer that fires when the clock reaches its due time, and then every <paramref name="period"/>.
    /// </summary>
    /// <param name="callback">Called on the thread that moves the clock, with the clock set to the due time.</param>
    /// <param name="state">Passed to <paramref name="callback"/>.</param>
    /// <param name="dueTime">The delay from now until the first call; <see cref="Timeout.InfiniteTimeSpan"/> creates the timer disarmed.</param>
    /// <param name="period">The interval between calls after the first; <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.Zero"/> fires once.</param>
    /// <returns>
    /// A timer whose <see cref="ITimer.Change(TimeSpan, TimeSpan)"/> re-arms it without allocating, and whose
    /// <see cref="IDisposable.Dispose"/> disarms it for good. An armed timer is kept alive by the clock.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dueTime"/> or <paramref name="period"/> is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        long dueTicks = ToTicks(dueTime, nameof(dueTime));
        long periodTicks = ToTicks(period, nameof(period));
        var timer = new TimerEntry(this, callback, state);
        lock (_lock)
        {
            ArmLocked(timer, dueTicks, periodTicks);
        }

        return timer;
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="delta"/>, firing every timer due at or before the new time, each
    /// at its own due time, including timers armed by callbacks during this call.
    /// </summary>
    /// <param name="delta">How far to move; <see cref="TimeSpan.Zero"/> fires only the timers already due.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative, or moves the clock past <see cref="DateTimeOffset.MaxValue"/>.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a timer callback, or while another thread is moving the clock.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        EnterAdvance();
        try
        {
            long now = _nowTicks;
            if (delta.Ticks > _maxElapsedTicks - now)
            {
                throw new ArgumentOutOfRangeException(nameof(delta), delta, "Advancing by this much would move the clock past DateTimeOffset.MaxValue.");
            }

            _ = RunCore(now + delta.Ticks, stopWhenIdle: false);
        }
        finally
        {
            ExitAdvance();
        }
    }

    /// <summary>
    /// Moves the clock forward to <paramref name="target"/>, firing every timer due at or before it, each at its
    /// own due time, including timers armed by callbacks during this call.
    /// </summary>
    /// <param name="target">The time to move to; the clock's current time fires only the timers already due.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is before the clock's current time.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a timer callback, or while another thread is moving the clock.</exception>
    public void AdvanceTo(DateTimeOffset target)
    {
        long targetTicks = target.UtcTicks - _startUtcTicks;
        EnterAdvance();
        try
        {
            if (targetTicks < _nowTicks)
            {
                throw new ArgumentOutOfRangeException(nameof(target), target, $"The target is before the clock's current time, {GetUtcNow():O}: a virtual clock only moves forward.");
            }

            _ = RunCore(targetTicks, stopWhenIdle: false);
        }
        finally
        {
            ExitAdvance();
        }
    }

    /// <summary>
    /// Fires timers in order, each at its own due time, until no timer is armed or the next one is due more than
    /// <paramref name="limit"/> after the clock's time at the call.
    /// </summary>
    /// <param name="limit">The most the clock may move. Periodic timers never let the clock go idle, so they run until this limit.</param>
    /// <returns>
    /// <see langword="true"/> when no timer is left armed: the clock then stays at the due time of the last timer
    /// fired. <see langword="false"/> when the limit was reached first: the clock then reads the limit.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a timer callback, or while another thread is moving the clock.</exception>
    public bool RunUntilIdle(TimeSpan limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.Zero);
        EnterAdvance();
        try
        {
            long now = _nowTicks;
            long target = limit.Ticks > _maxElapsedTicks - now ? _maxElapsedTicks : now + limit.Ticks;
            return RunCore(target, stopWhenIdle: true);
        }
        finally
        {
            ExitAdvance();
        }
    }

    // Fires due timers one at a time. The lock guards the queue and the timers' arming state; it is released
    // before each callback, so callbacks (and other threads) can arm timers freely.
    private bool RunCore(long targetTicks, bool stopWhenIdle)
    {
        while (true)
        {
            TimerCallback callback;
            object? state;
            lock (_lock)
            {
                if (!TryPeekLive(out TimerEntry? timer, out long dueTicks) || dueTicks > targetTicks)
                {
                    bool idle = _queue.Count == _staleCount;
                    if (!(stopWhenIdle && idle))
                    {
                        Volatile.Write(ref _nowTicks, targetTicks);
                    }

                    return idle;
                }

                _ = _queue.Dequeue();
                Volatile.Write(ref _nowTicks, dueTicks);

                // Re-arm a periodic timer before its callback runs, so a Change made by the callback wins.
                timer._sequence = -1;
                if (timer._periodTicks > 0)
                {
                    EnqueueLocked(timer, SaturatingDue(dueTicks, timer._periodTicks));
                }

                callback = timer._callback;
                state = timer._state;
            }

            callback(state);
        }
    }

    // Called by TimerEntry.Change.
    private bool Change(TimerEntry timer, TimeSpan dueTime, TimeSpan period)
    {
        long dueTicks = ToTicks(dueTime, nameof(dueTime));
        long periodTicks = ToTicks(period, nameof(period));
        lock (_lock)
        {
            if (timer._disposed)
            {
                return false;
            }

            ArmLocked(timer, dueTicks, periodTicks);
            return true;
        }
    }

    // Called by TimerEntry.Dispose.
    private void Disarm(TimerEntry timer)
    {
        lock (_lock)
        {
            if (timer._disposed)
            {
                return;
            }

            ArmLocked(timer, dueTicks: -1, periodTicks: -1);
            timer._disposed = true;
            timer._state = null;
        }
    }

    // dueTicks or periodTicks of -1 mean Timeout.InfiniteTimeSpan.
    private void ArmLocked(TimerEntry timer, long dueTicks, long periodTicks)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (timer._sequence >= 0)
        {
            // The entry queued for the previous arming stays in the queue and is skipped when it surfaces.
            timer._sequence = -1;
            _staleCount++;
        }

        timer._periodTicks = periodTicks > 0 ? periodTicks : 0;
        if (dueTicks >= 0)
        {
            EnqueueLocked(timer, SaturatingDue(_nowTicks, dueTicks));
        }

        CompactIfMostlyStaleLocked();
    }

    private void EnqueueLocked(TimerEntry timer, long dueTicks)
    {
        long sequence = _nextSequence++;
        timer._sequence = sequence;
        _queue.Enqueue(timer, (dueTicks, sequence));
    }

    // Drops stale entries from the top of the queue and returns the next live one without removing it.
    private bool TryPeekLive([NotNullWhen(true)] out TimerEntry? timer, out long dueTicks)
    {
        while (_queue.TryPeek(out timer, out (long DueTicks, long Sequence) priority))
        {
            if (timer._sequence == priority.Sequence)
            {
                dueTicks = priority.DueTicks;
                return true;
            }

            _ = _queue.Dequeue();
            _staleCount--;
        }

        dueTicks = 0;
        return false;
    }

    // Lazy deletion leaves one entry per superseded arming until its due time passes. A test that re-arms a
    // timer far ahead many times without moving the clock would grow the queue without bound, so once stale
    // entries outnumber live ones the queue is rebuilt from the live entries. The work is amortized over at
    // least as many re-arms as there are live timers, and reuses one buffer.
    private void CompactIfMostlyStaleLocked()
    {
        int live = _queue.Count - _staleCount;
        if (_staleCount < MinStaleEntriesToCompact || _staleCount <= live)
        {
            return;
        }

        if (_compactBuffer.Length < live)
        {
            _compactBuffer = new (TimerEntry, (long, long))[Math.Max(live, _compactBuffer.Length * 2)];
        }

        int count = 0;
        foreach ((TimerEntry timer, (long DueTicks, long Sequence) priority) in _queue.UnorderedItems)
        {
            if (timer._sequence == priority.Sequence)
            {
                _compactBuffer[count++] = (timer, priority);
            }
        }

        Debug.Assert(count == live);
        _queue.Clear();
        for (int i = 0; i < count; i++)
        {
            _queue.Enqueue(_compactBuffer[i].Timer, _compactBuffer[i].Priority);
            _compactBuffer[i] = default;
        }

        _staleCount = 0;
    }

    // A due time past DateTimeOffset.MaxValue can never be reached: it is stored as long.MaxValue.
    private long SaturatingDue(long fromTicks, long delayTicks) =>
        delayTicks > _maxElapsedTicks - fromTicks ? long.MaxValue : fromTicks + delayTicks;

    private static long ToTicks(TimeSpan value, string paramName)
    {
        if (value == Timeout.InfiniteTimeSpan)
        {
            return -1;
        }

        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "The time must be non-negative, or Timeout.InfiniteTimeSpan.");
        }

        return value.Ticks;
    }

    private void EnterAdvance()
    {
        int current = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _advancingThreadId, current, 0);
        if (owner == 0)
        {
            return;
        }

        throw new InvalidOperationException(owner == current
            ? "The virtual clock cannot be moved from inside one of its own timer callbacks: callbacks run synchronously inside Advance, AdvanceTo and RunUntilIdle. "
                + "Arm a timer instead (it fires in this same step if it falls due within it), or move the clock after the callback returns."
            : "The virtual clock is already being moved by another thread. Drive the clock from one thread.");
    }

    private void ExitAdvance() => Volatile.Write(ref _advancingThreadId, 0);

    // One timer. Re-arming reuses this object: the clock's queue holds it with the sequence of its arming.
    private sealed class TimerEntry : ITimer
    {
        internal readonly VirtualClock _clock;
        internal readonly TimerCallback _callback;
        internal object? _state;

        // The sequence of the current arming, or -1 when the timer is not armed.
        internal long _sequence = -1;

        // The period in ticks, or 0 for a one-shot timer.
        internal long _periodTicks;
        internal bool _disposed;

        internal TimerEntry(VirtualClock clock, TimerCallback callback, object? state)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => _clock.Change(this, dueTime, period);

        public void Dispose() => _clock.Disarm(this);

        public ValueTask DisposeAsync()
        {
            _clock.Disarm(this);
            return ValueTask.CompletedTask;
        }
    }
}
