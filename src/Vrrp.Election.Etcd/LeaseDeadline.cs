namespace Vrrp.Election.Etcd;

/// <summary>
/// Until when this node can show that its lease is alive, by its own monotonic clock.
/// </summary>
/// <remarks>
/// etcd refreshes a lease when a keep-alive reaches it, which is after this node sent it: so the lease lives at least
/// until <c>sent + TTL</c> as the server counts. Ending the term a safety margin earlier, counted from the send and not
/// from the answer, keeps this node's term inside the lease whatever the network delayed, as long as the two clocks
/// run at about the same rate. A later answer can only move the deadline forward.
/// </remarks>
internal sealed class LeaseDeadline(TimeProvider time, TimeSpan safetyMargin)
{
    private long _aliveUntil = long.MinValue;

    /// <summary>Gets the deadline as a <see cref="TimeProvider.GetTimestamp"/> value; <see cref="long.MinValue"/> before the first grant.</summary>
    public long AliveUntil => Volatile.Read(ref _aliveUntil);

    /// <summary>Records an answer from etcd that the lease lives <paramref name="ttl"/> from when the request left.</summary>
    /// <param name="sentAt">The <see cref="TimeProvider.GetTimestamp"/> taken just before the request was sent.</param>
    /// <param name="ttl">The time to live in the answer.</param>
    public void Confirmed(long sentAt, TimeSpan ttl)
    {
        long until = sentAt + ToTimestamp(ttl - safetyMargin);
        long current;
        do
        {
            current = Volatile.Read(ref _aliveUntil);
            if (until <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _aliveUntil, until, current) != current);
    }

    /// <summary>Gets a value indicating whether the lease can still be shown alive now.</summary>
    /// <returns>Whether now is before the deadline.</returns>
    public bool IsAlive() => time.GetTimestamp() < AliveUntil;

    /// <summary>Gets the time left before the deadline; zero or less once it passed.</summary>
    /// <returns>The time left.</returns>
    public TimeSpan Remaining()
    {
        long until = AliveUntil;
        return until == long.MinValue ? TimeSpan.Zero : time.GetElapsedTime(time.GetTimestamp(), until);
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
}
