namespace Vrrp.Warmup;

/// <summary>A clock that moves only when the rehearsal says so, firing its timers in due order.</summary>
internal sealed class RehearsalClock : TimeProvider
{
    private readonly List<RehearsalTimer> _timers = [];
    private long _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks(_now);

    /// <summary>Fires every timer due within <paramref name="duration"/> of now, in order, then moves to its end.</summary>
    public void Run(TimeSpan duration, Action afterEach)
    {
        long until = _now + duration.Ticks;
        while (FireNextBefore(until))
        {
            afterEach();
        }

        _now = until;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new RehearsalTimer(this, callback, state);
        _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves to the earliest timer armed to fire before <paramref name="until"/> and fires it; false when none is.</summary>
    public bool FireNextBefore(long until)
    {
        RehearsalTimer? next = null;
        foreach (RehearsalTimer timer in _timers)
        {
            if (timer.Due is long due && (next is null || due < next.Due))
            {
                next = timer;
            }
        }

        if (next is null || next.Due > until)
        {
            return false;
        }

        _now = Math.Max(_now, next.Due!.Value);
        next.Fire();
        return true;
    }

    private sealed class RehearsalTimer(RehearsalClock clock, TimerCallback callback, object? state) : ITimer
    {
        public long? Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime.Ticks;
            return true;
        }

        public void Fire()
        {
            Due = null;
            callback(state);
        }

        public void Dispose()
        {
            Due = null;
            clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
