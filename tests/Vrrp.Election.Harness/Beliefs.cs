using System.Diagnostics;

namespace Vrrp.Election.Harness;

/// <summary>Every elector's belief that it leads, as intervals of CLOCK_MONOTONIC time.</summary>
internal sealed class Beliefs
{
    private readonly object _gate = new();
    private readonly List<Interval> _closed = [];
    private readonly Dictionary<string, (long Token, long Start, long LastSeen)> _open = [];

    public event Action<string, long, long>? Began;

    public void Begin(string elector, long token, long at)
    {
        lock (_gate)
        {
            _open[elector] = (token, at, at);
        }

        Began?.Invoke(elector, token, at);
    }

    public void End(string elector, long token, long lastTrue)
    {
        lock (_gate)
        {
            if (_open.Remove(elector, out var open))
            {
                _closed.Add(new Interval(elector, token, open.Start, lastTrue));
            }
        }
    }

    /// <summary>A killed elector believed until its last write at most; the resource's record bounds it.</summary>
    public void Killed(string elector)
    {
        lock (_gate)
        {
            if (_open.Remove(elector, out var open))
            {
                _closed.Add(new Interval(elector, open.Token, open.Start, Stopwatch.GetTimestamp()));
            }
        }
    }

    /// <summary>Gets the electors that believe they lead now.</summary>
    public List<(string Elector, long Token, long Since)> Current()
    {
        lock (_gate)
        {
            return [.. _open.Select(o => (o.Key, o.Value.Token, o.Value.Start))];
        }
    }

    public List<Interval> All()
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            return [.. _closed, .. _open.Select(o => new Interval(o.Key, o.Value.Token, o.Value.Start, now))];
        }
    }

    public readonly record struct Interval(string Elector, long Token, long Start, long End);
}
