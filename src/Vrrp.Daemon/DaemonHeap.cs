using System.Diagnostics;

namespace VrrpDaemon;

/// <summary>
/// Gives the start's garbage back to the system. Starting (reading keepalived.conf, making the routers, their first
/// transitions and announcements) allocates ~100 KiB per router that nobody keeps; the steady state allocates nothing,
/// so no collection would ever run and all of it would stay resident. Once after a start or a reload, and once more
/// when the routers have made their first transitions, one compacting collection in
/// <see cref="GCCollectionMode.Aggressive"/> mode frees it and decommits the free memory.
/// </summary>
internal sealed class DaemonHeap
{
    // Master_Down_Interval is 3–4 advertisement intervals, and the gratuitous ARPs/NAs repeat 5 s after a transition:
    // 10 s covers both at intervals up to 1 s.
    private static readonly TimeSpan s_afterStart = TimeSpan.FromSeconds(10);
    private long _settleAt;

    /// <summary>Collects now, and once more <see cref="s_afterStart"/> later (from <see cref="SettleIfDue"/>).</summary>
    public void SettleAfterStart()
    {
        Settle();
        _settleAt = Stopwatch.GetTimestamp() + (long)(s_afterStart.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>How long the main loop may wait before <see cref="SettleIfDue"/> has work: infinite when none is due.</summary>
    /// <returns>Milliseconds, rounded up, or <see cref="Timeout.Infinite"/>.</returns>
    public int MillisecondsUntilDue()
    {
        if (_settleAt == 0)
        {
            return Timeout.Infinite;
        }

        long left = _settleAt - Stopwatch.GetTimestamp();
        return left <= 0 ? 0 : (int)Math.Min(int.MaxValue, ((left * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
    }

    /// <summary>Collects once when the delay after the last start has passed; called from the main loop.</summary>
    public void SettleIfDue()
    {
        if (_settleAt != 0 && Stopwatch.GetTimestamp() >= _settleAt)
        {
            _settleAt = 0;
            Settle();
        }
    }

    // A blocking compacting collection of a few MiB of live data: milliseconds, once, outside the steady state.
    private static void Settle() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
