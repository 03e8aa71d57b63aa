using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Election;

/// <summary>
/// Leader election on a <see cref="VirtualRouter"/>: the node leads while the router is master. The router needs no
/// virtual address for this; with the UDP transport it needs no root either.
/// </summary>
/// <remarks>
/// <para>
/// Fencing tokens. A term's token is <c>(µs &lt;&lt; 10) | NodeId</c>, where <c>µs</c> is the election clock's UTC
/// time at takeover in microseconds since 1970, raised when needed to one more than the previous term's on this
/// node. So:
/// </para>
/// <list type="bullet">
/// <item>On one node, tokens strictly increase, whatever the clock does.</item>
/// <item>Two nodes with different <see cref="NodeId"/>s never hold the same token: the low 10 bits differ.</item>
/// <item>
/// Across nodes, a term that begins after another by more than the difference between the two nodes' clocks has the
/// greater token. A takeover follows the previous master's own takeover by at least Skew_Time (a release with
/// priority 0) or Master_Down_Interval (a silent master), so successive leaders' tokens increase when the nodes'
/// clocks agree to within that failover time; keep them in NTP sync well inside it.
/// </item>
/// <item>During a split brain, both sides' leaders hold tokens; after the heal the survivor's token may be the
/// smaller. A resource that accepts only tokens at least as high as the last it saw rejects the stale side.</item>
/// </list>
/// <para>
/// Terms can overlap for an instant even without a partition: a master whose priority drops keeps the role until it
/// hears the better router's advertisement (RFC 9568 §6.4.3), so the new term begins just before the old one ends.
/// <see cref="VirtualRouter.Halt"/> (a simulated crash) raises no state change, so a halted node's election keeps its
/// term until the router starts again; in a real crash the process is gone.
/// </para>
/// <para>
/// Resigning. <see cref="ResignAsync"/> ends the term, stops the router gracefully (a priority-0 advertisement, so a
/// backup takes over after Skew_Time) and starts it again at priority 1: the node is a candidate at the back of the
/// line, and its own priority comes back when it next becomes master, that is when no one else would. An address
/// owner (priority 255) cannot resign.
/// </para>
/// </remarks>
public sealed class VrrpLeaderElection : ILeaderElection, IDisposable
{
    /// <summary>The number of low bits of a fencing token that hold the <see cref="NodeId"/>.</summary>
    public const int NodeIdBits = 10;

    private const int MaxNodeId = (1 << NodeIdBits) - 1;

    private readonly object _gate = new();
    private readonly VirtualRouter _router;
    private readonly TimeProvider _time;
    private readonly EventHandler<StateChange> _onStateChanged;
    private TaskCompletionSource<LeadershipTerm> _nextTerm = NewWaiter();
    private CancellationTokenSource? _termSource;
    private LeadershipTerm? _term;
    private long _lastMicroseconds;
    private int _priorityBeforeResign;
    private bool _disposed;

    /// <summary>Initializes an election on a router; the router may already be running.</summary>
    /// <param name="router">The router whose master state is leadership.</param>
    /// <param name="timeProvider">The clock of the fencing tokens and timestamps; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="nodeId">0 to 1023, unique among the nodes that elect; by default the low 10 bits of the router's primary address (unique in an IPv4 /22).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nodeId"/> is outside 0 to 1023.</exception>
    public VrrpLeaderElection(VirtualRouter router, TimeProvider? timeProvider = null, int? nodeId = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (nodeId is < 0 or > MaxNodeId)
        {
            throw new ArgumentOutOfRangeException(nameof(nodeId), nodeId, $"NodeId must be 0 to {MaxNodeId}; got {nodeId}.");
        }

        _router = router;
        _time = timeProvider ?? TimeProvider.System;
        NodeId = nodeId ?? DefaultNodeId(router);
        _onStateChanged = OnStateChanged;
        lock (_gate)
        {
            router.StateChanged += _onStateChanged;
            if (router.IsMaster)
            {
                BeginTerm();
            }
        }
    }

    /// <inheritdoc/>
    public event EventHandler<LeadershipChange>? LeadershipChanged;

    /// <summary>Gets the router.</summary>
    public VirtualRouter Router => _router;

    /// <summary>Gets the node's identity in the low bits of its fencing tokens.</summary>
    public int NodeId { get; }

    /// <inheritdoc/>
    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _term.HasValue;
            }
        }
    }

    /// <inheritdoc/>
    public LeadershipTerm? CurrentTerm
    {
        get
        {
            lock (_gate)
            {
                return _term;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<LeadershipTerm> WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        Task<LeadershipTerm> next;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_term is { } term)
            {
                return ValueTask.FromResult(term);
            }

            next = _nextTerm.Task;
        }

        return new ValueTask<LeadershipTerm>(next.WaitAsync(cancellationToken));
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The router is an address owner (priority 255), which always leads.</exception>
    public async ValueTask ResignAsync(CancellationToken cancellationToken = default)
    {
        LeadershipChange? raised = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_router.BasePriority == 255)
            {
                throw new InvalidOperationException($"Router '{_router.Name}' owns its addresses (priority 255) and always leads; it cannot resign.");
            }

            if (_term is { } ended)
            {
                EndTerm();
                raised = new LeadershipChange(false, ended.FencingToken, _time.GetUtcNow(), LeadershipChangeReason.Resigned);
            }

            if (_priorityBeforeResign == 0)
            {
                _priorityBeforeResign = _router.BasePriority;
            }
        }

        if (raised is { } resigned)
        {
            Raise(resigned);
        }

        // Stop waits for the router's actions (its priority-0 advertisement among them), so off the caller's thread.
        await Task.Run(
            () =>
            {
                _router.Stop();
                _router.SetPriority(1);
                _router.Start();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops following the router; a current term ends (its token fires) and waiters are cancelled.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _router.StateChanged -= _onStateChanged;
            EndTerm();
            _nextTerm.TrySetException(new ObjectDisposedException(nameof(VrrpLeaderElection)));
        }
    }

    private static TaskCompletionSource<LeadershipTerm> NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static int DefaultNodeId(VirtualRouter router)
    {
        Span<byte> bytes = stackalloc byte[16];
        router.PrimaryAddress.WriteTo(bytes);
        int length = router.PrimaryAddress.Length;
        return length < 2 ? 0 : ((bytes[length - 2] << 8) | bytes[length - 1]) & MaxNodeId;
    }

    private void OnStateChanged(object? sender, StateChange change)
    {
        LeadershipChange? raised = null;
        int restorePriority = 0;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (change.To == VrrpState.Master && _term is null)
            {
                LeadershipTerm term = BeginTerm();
                raised = new LeadershipChange(true, term.FencingToken, term.AcquiredAt, LeadershipChangeReason.Elected);
                restorePriority = _priorityBeforeResign;
                _priorityBeforeResign = 0;
            }
            else if (change.To != VrrpState.Master && _term is { } ended)
            {
                EndTerm();
                raised = new LeadershipChange(false, ended.FencingToken, _time.GetUtcNow(), ReasonFor(change.Reason));
            }
        }

        if (restorePriority != 0)
        {
            // Master again after resigning: no one else would lead, so the node's own priority is back. Handlers run
            // off the router's lock (its listeners' lane), so changing the priority here is safe.
            _router.SetPriority(restorePriority);
        }

        if (raised is { } leadership)
        {
            Raise(leadership);
        }
    }

    private static LeadershipChangeReason ReasonFor(StateChangeReason reason) => reason switch
    {
        StateChangeReason.Shutdown => LeadershipChangeReason.Stopped,
        StateChangeReason.InterfaceDown or StateChangeReason.CheckFailed or StateChangeReason.SyncGroup or StateChangeReason.ActionFailed => LeadershipChangeReason.Unhealthy,
        _ => LeadershipChangeReason.Superseded,
    };

    private void Raise(LeadershipChange change)
    {
        try
        {
            LeadershipChanged?.Invoke(this, change);
        }
#pragma warning disable CA1031 // a listener's failure must never fail a transition
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private LeadershipTerm BeginTerm()
    {
        DateTimeOffset now = _time.GetUtcNow();
        long microseconds = Math.Max((now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10, _lastMicroseconds + 1);
        _lastMicroseconds = microseconds;
        _termSource = new CancellationTokenSource();
        var term = new LeadershipTerm((microseconds << NodeIdBits) | (long)NodeId, now, _termSource.Token);
        _term = term;
        _nextTerm.TrySetResult(term);
        _nextTerm = NewWaiter();
        return term;
    }

    private void EndTerm()
    {
        _term = null;
        if (_termSource is { } source)
        {
            _termSource = null;

            // The token reads cancelled at once; its callbacks run on the thread pool, off the router's event path.
            _ = source.CancelAsync();
        }
    }
}
