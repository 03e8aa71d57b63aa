using Vrrp.Health;

namespace Vrrp.Linux.Processes;

/// <summary>
/// Healthy while enough processes of a kind run (keepalived's <c>vrrp_track_process</c>): between
/// <see cref="Quorum"/> and <see cref="QuorumMaximum"/> of them, zombies not counted. Made by
/// <see cref="ProcessMonitor.CreateCheck"/>, which keeps the count from the kernel's process events: a run reads it,
/// does no I/O and allocates nothing.
/// </summary>
/// <remarks>
/// A change is told only once it has lasted: <see cref="ForkDelay"/> after the quorum is reached, and
/// <see cref="TerminateDelay"/> after it is lost (a service restarting, or forking then exiting its parent, does not
/// move the router).
/// </remarks>
public sealed class ProcessHealthCheck : IVrrpHealthCheck, IDisposable
{
    private readonly ProcessMonitor _monitor;
    private readonly TimeProvider _time;
    private readonly VrrpCheckResult _up;
    private readonly VrrpCheckResult _down;
    private readonly object _gate = new();
    private int _count;
    private bool _reported;
    private long _changedAt;

    internal ProcessHealthCheck(ProcessMonitor monitor, ProcessMatch match, int quorum, int quorumMaximum, TimeSpan forkDelay, TimeSpan terminateDelay, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentOutOfRangeException.ThrowIfNegative(quorum);
        ArgumentOutOfRangeException.ThrowIfLessThan(quorumMaximum, quorum);
        ArgumentOutOfRangeException.ThrowIfNegative(forkDelay.Ticks, nameof(forkDelay));
        ArgumentOutOfRangeException.ThrowIfNegative(terminateDelay.Ticks, nameof(terminateDelay));
        _monitor = monitor;
        _time = time;
        Match = match;
        Quorum = quorum;
        QuorumMaximum = quorumMaximum;
        ForkDelay = forkDelay;
        TerminateDelay = terminateDelay;
        string range = quorumMaximum == int.MaxValue ? $"at least {quorum}" : $"{quorum} to {quorumMaximum}";
        _up = VrrpCheckResult.Success($"{range} '{match}' running");
        _down = VrrpCheckResult.Failure($"not {range} '{match}' running");
    }

    /// <summary>Gets which processes count.</summary>
    public ProcessMatch Match { get; }

    /// <summary>Gets the fewest processes that are healthy (keepalived's <c>quorum</c>, 1 by default).</summary>
    public int Quorum { get; }

    /// <summary>Gets the most processes that are healthy (keepalived's <c>quorum_max</c>; <see cref="int.MaxValue"/> for no limit).</summary>
    public int QuorumMaximum { get; }

    /// <summary>Gets how long the quorum must hold before the check turns healthy (<c>fork_delay</c>).</summary>
    public TimeSpan ForkDelay { get; }

    /// <summary>Gets how long the quorum must be lost before the check turns unhealthy (<c>terminate_delay</c>).</summary>
    public TimeSpan TerminateDelay { get; }

    /// <summary>Gets how many matching processes run now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc/>
    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            bool now = InQuorum(_count);
            if (now != _reported && _time.GetElapsedTime(_changedAt) >= (now ? ForkDelay : TerminateDelay))
            {
                _reported = now;
            }

            return ValueTask.FromResult(_reported ? _up : _down);
        }
    }

    /// <summary>Stops following the processes.</summary>
    public void Dispose() => _monitor.Forget(this);

    // The monitor's first count: told at once, as keepalived tells its start-up scan.
    internal void Start(int count)
    {
        lock (_gate)
        {
            _count = count;
            _reported = InQuorum(count);
            _changedAt = _time.GetTimestamp();
        }
    }

    internal void Set(int count)
    {
        lock (_gate)
        {
            if (InQuorum(count) != InQuorum(_count))
            {
                _changedAt = _time.GetTimestamp();
            }

            _count = count;
        }
    }

    private bool InQuorum(int count) => count >= Quorum && count <= QuorumMaximum;
}
