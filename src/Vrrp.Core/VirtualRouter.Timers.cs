using System.Runtime.CompilerServices;
using Vrrp.Protocol;

namespace Vrrp;

public sealed partial class VirtualRouter
{
    private static readonly TimerCallback s_onTimers = static state => ((VirtualRouter)state!).OnTimers();

    // One system timer carries all of the router's protocol timers: it is set for the earliest deadline, and when it
    // fires every timer that is due runs, earliest first. A timer per kind cost a TimeProvider timer (and its queue
    // entry) each, for deadlines that rarely overlap. Touched only under _gate.
    private ITimer? _timer;
    private TimerDeadlines _deadlines;
    private long _programmed = long.MaxValue;
    private long _firedAt = NotFiring; // while OnTimers runs, the time it began: the deadlines it arms count from there
    private ushort _armed; // one bit per VrrpTimer

    private const long NotFiring = long.MinValue;

    void IVrrpActions.ArmTimer(VrrpTimer timer, TimeSpan dueIn)
    {
        _deadlines[(int)timer] = Now() + ToTimestampTicks(dueIn);
        _armed |= (ushort)(1 << (int)timer);
        ProgramEarliest();
    }

    void IVrrpActions.CancelTimer(VrrpTimer timer)
    {
        _armed &= (ushort)~(1 << (int)timer);
        if (_armed == 0 && _programmed != long.MaxValue)
        {
            // Nothing left to wait for: spare the wake-up. With timers left, an early wake finds nothing due and sets
            // the timer again.
            _programmed = long.MaxValue;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void CancelAllTimers()
    {
        _armed = 0;
        _programmed = long.MaxValue;
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void OnTimers()
    {
        using (EnterEvent())
        {
            _programmed = long.MaxValue; // it fired (or a stale callback raced a Change): set it again below
            if (!_running)
            {
                return;
            }

            // A timer's action may arm or cancel others, so each round looks again for the earliest one due. Timers
            // armed by an action count from the moment the callback began, so a master's adverts keep their rhythm
            // however long the send took.
            _firedAt = _profile.Time.GetTimestamp();
            try
            {
                bool fired = false;
                while (TryTakeDue(_firedAt, out VrrpTimer due))
                {
                    fired = true;
                    _machine.TimerFired(due);
                    if (!_running)
                    {
                        return;
                    }
                }

                ProgramEarliest(earlyWake: !fired);
            }
            finally
            {
                _firedAt = NotFiring;
            }
        }
    }

    private bool TryTakeDue(long now, out VrrpTimer due)
    {
        int earliest = -1;
        for (int i = 0; i < TimerDeadlines.Length; i++)
        {
            if ((_armed & (1 << i)) != 0 && _deadlines[i] <= now && (earliest < 0 || _deadlines[i] < _deadlines[earliest]))
            {
                earliest = i;
            }
        }

        due = (VrrpTimer)Math.Max(earliest, 0);
        if (earliest < 0)
        {
            return false;
        }

        _armed &= (ushort)~(1 << earliest);
        return true;
    }

    private void ProgramEarliest(bool earlyWake = false)
    {
        if (_armed == 0)
        {
            return;
        }

        long earliest = long.MaxValue;
        for (int i = 0; i < TimerDeadlines.Length; i++)
        {
            if ((_armed & (1 << i)) != 0 && _deadlines[i] < earliest)
            {
                earliest = _deadlines[i];
            }
        }

        if (earliest == _programmed)
        {
            return;
        }

        _programmed = earliest;
        _timer ??= _profile.Time.CreateTimer(s_onTimers, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // System timers tick in milliseconds and may fire up to one early: after an early wake, wait for what remains
        // in whole milliseconds, at least one, rather than spin on a 0 ms timer.
        long remaining = Math.Max(earliest - _profile.Time.GetTimestamp(), 0); // the real time: the callback's own length counts
        long ticks = ToTimeSpanTicksRoundedUp(remaining);
        if (earlyWake)
        {
            ticks = Math.Max(1, (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond) * TimeSpan.TicksPerMillisecond;
        }

        _timer.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
    }

    private long Now() => _firedAt != NotFiring ? _firedAt : _profile.Time.GetTimestamp();

    // Integer arithmetic in both conversions, seconds and remainder apart so nothing overflows: they run on every
    // advertisement, and Math.Ceiling on a double showed in the timer thread's profile at a 10 ms interval.
    private long ToTimestampTicks(TimeSpan span)
    {
        long frequency = _profile.Time.TimestampFrequency;
        return (span.Ticks / TimeSpan.TicksPerSecond * frequency) + ((span.Ticks % TimeSpan.TicksPerSecond) * frequency / TimeSpan.TicksPerSecond);
    }

    // Rounded up: a timer set for less than what remains would fire early and go round again.
    private long ToTimeSpanTicksRoundedUp(long timestampTicks)
    {
        long frequency = _profile.Time.TimestampFrequency;
        return (timestampTicks / frequency * TimeSpan.TicksPerSecond) + ((((timestampTicks % frequency) * TimeSpan.TicksPerSecond) + frequency - 1) / frequency);
    }

    /// <summary>One deadline (a <see cref="TimeProvider"/> timestamp) per <see cref="VrrpTimer"/>, inline in the router.</summary>
    [InlineArray(Length)]
    private struct TimerDeadlines
    {
        public const int Length = 9; // one per VrrpTimer

#pragma warning disable IDE0044, IDE0051 // the inline array's element
        private long _element;
#pragma warning restore IDE0044, IDE0051
    }
}
