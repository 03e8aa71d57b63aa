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
/// <see cref="VirtualRouter.Halt"/> (a simulated crash) raises no state change; the halted node's term ends
/// Master_Down_Interval less Skew_Time later, as below; in a real crash the process is gone.
/// </para>
/// <para>
/// A term lasts while the router shows it is alive. Backups take over Master_Down_Interval
/// (<see cref="VirtualRouterOptions.DownTimerAdverts"/> advertisement intervals, 3 by default, and Skew_Time) after the
/// last advertisement they heard, so a term ends when the router, still master, has sent none for that many
/// intervals, by the router's clock (a timer armed for that moment): a process paused by a GC, SIGSTOP or a frozen VM, or a
/// transport that cannot send. <see cref="IsLeader"/> and <see cref="CurrentTerm"/> read the clock, so they turn
/// false at that moment even before the token's callbacks run; the change says
/// <see cref="LeadershipChangeReason.Expired"/>. If the router is still master when it advertises again, a new term
/// begins with a new, greater token: a resumed leader's late writes under the old token are refused by a fenced store,
/// and so are the interim leader's once the resumed one writes.
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
    private readonly ITimer _watchdog;
    private readonly SemaphoreSlim _priorityChange = new(1, 1); // a resign and a restore of the priority, one at a time
    private int _ownPriority; // the node's priority while it runs at 1 after resigning; 0 when it does not
    private bool _resigning;
    private long _aliveUntil; // the term's deadline, a router-clock timestamp; moved on by each advertisement sent in time
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
        _watchdog = router.Time.CreateTimer(static s => ((VrrpLeaderElection)s!).CheckAlive(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            router.StateChanged += _onStateChanged;
            if (router.IsMaster)
            {
                BeginTerm();
            }

            ArmWatchdog();
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
                return _term.HasValue && TermAlive();
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
                return _term.HasValue && TermAlive() ? _term : null;
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
            if (_term is { } term && TermAlive())
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

            _resigning = true;
            if (_term is { } ended)
            {
                EndTerm();
                raised = new LeadershipChange(false, ended.FencingToken, _time.GetUtcNow(), LeadershipChangeReason.Resigned);
            }
        }

        if (raised is { } resigned)
        {
            Raise(resigned);
        }

        // Stop waits for the router's actions (its priority-0 advertisement among them), so off the caller's thread;
        // and it runs whatever the caller's token does: a term ended without the release would leave no leader.
        Task release = Task.Run(async () =>
        {
            await _priorityChange.WaitAsync().ConfigureAwait(false);
            try
            {
                lock (_gate)
                {
                    if (_ownPriority == 0)
                    {
                        _ownPriority = _router.BasePriority;
                    }
                }

                _router.Stop();
                _router.SetPriority(1);
                _router.Start();
            }
            finally
            {
                lock (_gate)
                {
                    _resigning = false;
                }

                _priorityChange.Release();
            }
        }, CancellationToken.None);
        await release.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            _watchdog.Dispose();
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
        bool restore = false;
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
                restore = _ownPriority != 0;
                ArmWatchdog();
            }
            else if (change.To != VrrpState.Master && _term is { } ended)
            {
                EndTerm();
                raised = new LeadershipChange(false, ended.FencingToken, _time.GetUtcNow(), ReasonFor(change.Reason));
            }
        }

        if (restore)
        {
            RestorePriority();
        }

        if (raised is { } leadership)
        {
            Raise(leadership);
        }
    }

    /// <summary>
    /// Master again after resigning: no one else would lead, so the node's own priority comes back. Handlers run off
    /// the router's lock (its listeners' lane), so it is set here when no resign is under way, else after it.
    /// </summary>
    private void RestorePriority()
    {
        if (_priorityChange.Wait(0))
        {
            RestoreHeld();
            return;
        }

        _ = Task.Run(async () =>
        {
            await _priorityChange.WaitAsync().ConfigureAwait(false);
            RestoreHeld();
        });

        void RestoreHeld()
        {
            try
            {
                int own;
                lock (_gate)
                {
                    // A resign since then keeps the node at the back of the line, with its own priority remembered.
                    if (_disposed || _ownPriority == 0 || !_router.IsMaster)
                    {
                        return;
                    }

                    own = _ownPriority;
                    _ownPriority = 0;
                }

                _router.SetPriority(own);
            }
            finally
            {
                _priorityChange.Release();
            }
        }
    }

    /// <summary>Gets how long after its last advertisement the master's term lasts: as long as backups wait, less their Skew_Time.</summary>
    private TimeSpan Allowance => _router.DownTimerAdverts * _router.MasterAdvertisementInterval;

    /// <summary>
    /// Whether the term is still shown alive: every advertisement since it began left within the allowance of the one
    /// before. A send after a gap (a process that resumes from a pause and advertises before anything else runs)
    /// does not revive the term: backups may have taken over in the gap, so the old token must not go on.
    /// </summary>
    private bool TermAlive()
    {
        long sent = _router.LastSentTimestamp;
        if (sent != long.MinValue && sent <= _aliveUntil)
        {
            _aliveUntil = Math.Max(_aliveUntil, sent + ToTimestamp(Allowance));
        }

        return _router.Time.GetTimestamp() < _aliveUntil;
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (_router.Time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    /// <summary>Whether the router's last advertisement is recent enough that no backup can have taken over yet.</summary>
    private bool ShownAlive()
    {
        long sent = _router.LastSentTimestamp;
        return sent != long.MinValue && _router.Time.GetElapsedTime(sent) < Allowance;
    }

    /// <summary>
    /// Leading, the watchdog fires at the moment the term would expire (re-armed each time it finds a newer
    /// advertisement); not leading, every half interval, to see a master advertise again.
    /// </summary>
    private void ArmWatchdog()
    {
        TimeSpan due = _term is not null
            ? _router.Time.GetElapsedTime(_router.Time.GetTimestamp(), _aliveUntil)
            : _router.MasterAdvertisementInterval / 2;
        _watchdog.Change(due > TimeSpan.FromMilliseconds(1) ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ends a term the router can no longer show alive; begins a new one when a master advertises again.</summary>
    private void CheckAlive()
    {
        LeadershipChange? raised = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_term is { } ended && !TermAlive())
            {
                EndTerm();
                raised = new LeadershipChange(false, ended.FencingToken, _time.GetUtcNow(), LeadershipChangeReason.Expired);
            }
            else if (_term is null && _router.IsMaster && ShownAlive() && !_resigning)
            {
                LeadershipTerm term = BeginTerm();
                raised = new LeadershipChange(true, term.FencingToken, term.AcquiredAt, LeadershipChangeReason.Elected);
            }

            ArmWatchdog();
        }

        if (raised is { } change)
        {
            Raise(change);
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
        long sent = _router.LastSentTimestamp;
        _aliveUntil = (sent != long.MinValue ? sent : _router.Time.GetTimestamp()) + ToTimestamp(Allowance);
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
