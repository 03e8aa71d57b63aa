using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vrrp.Election.Etcd;

/// <summary>
/// Leader election on etcd: each candidate holds a lease (a time to live kept alive) and a key under the election's
/// prefix; the candidate whose key was created first leads.
/// </summary>
/// <remarks>
/// <para>
/// Fencing tokens. A term's token is the etcd revision at which the leader's key was created. etcd orders every write
/// of the cluster, and a candidate leads only once every key created before its own is gone, so each leader's token
/// is greater than every earlier leader's, across terms, nodes and restarts, with no assumption about clocks.
/// </para>
/// <para>
/// When a term ends. A keep-alive answered by etcd shows that the lease lives at least the TTL from when it was sent.
/// The term ends a <see cref="EtcdLeaderElectionOptions.SafetyMargin"/> before that, by this node's monotonic clock
/// (the election's <see cref="TimeProvider"/>): <see cref="IsLeader"/> turns false at that moment, and the term's
/// <see cref="LeadershipTerm.LeadershipLost"/> fires within a quarter of the margin after it (the watchdog's tick),
/// still before etcd can delete the key and let the next candidate lead. It also fires when the key is deleted by someone
/// else, when etcd says the lease is gone, and after a pause of this process (GC, SIGSTOP) longer than the margin.
/// <see cref="IsLeader"/> and <see cref="CurrentTerm"/> read the clock too, so they turn false at the deadline even
/// before the token's callbacks run. Losing etcd therefore ends the term within TTL less the margin, and the next
/// leader starts after the TTL (sooner when the old leader revokes its lease on the way out).
/// </para>
/// <para>
/// Call <see cref="Start"/> to campaign (the <c>UseEtcd</c> registration does it with the host), and
/// <see cref="DisposeAsync"/> to stop: the lease is revoked so the next leader need not wait for the TTL.
/// </para>
/// </remarks>
public sealed partial class EtcdLeaderElection : ILeaderElection, IAsyncDisposable, IDisposable
{
    private readonly object _gate = new();
    private readonly EtcdLeaderElectionOptions _options;
    private readonly EtcdConnection _etcd;
    private readonly EtcdKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _candidate;
    private readonly Channel<LeadershipChange> _changes = Channel.CreateUnbounded<LeadershipChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource<LeadershipTerm> _nextTerm = NewWaiter();
    private LeadershipTerm? _term;
    private CancellationTokenSource? _termSource;
    private LeaseSession? _termSession;
    private CancellationTokenSource? _resign;
    private TaskCompletionSource? _resigned;
    private Task _campaign = Task.CompletedTask;
    private Task _notifier = Task.CompletedTask;
    private bool _started;
    private bool _disposed;

    /// <summary>Initializes an election; it campaigns once <see cref="Start"/> is called.</summary>
    /// <param name="name">The election's name: every candidate of one election uses the same name and <see cref="EtcdLeaderElectionOptions.KeyPrefix"/>.</param>
    /// <param name="options">How to reach etcd, and the lease's timing.</param>
    /// <param name="timeProvider">The monotonic clock that ends terms, and the clock of timestamps; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">The log; none by default.</param>
    /// <exception cref="ArgumentException">The options are invalid: the message names each field and its allowed range.</exception>
    public EtcdLeaderElection(string name, EtcdLeaderElectionOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Leader election '{name}' on etcd: {string.Join(" ", problems)}", nameof(options));
        }

        Name = name;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _candidate = options.Candidate ?? $"{Environment.MachineName}:{Environment.ProcessId}";
        _keys = new EtcdKeys(options.KeyPrefix, name);
        _etcd = new EtcdConnection(options);
    }

    /// <inheritdoc/>
    public event EventHandler<LeadershipChange>? LeadershipChanged;

    /// <summary>Gets the election's name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public bool IsLeader => CurrentTerm.HasValue;

    /// <inheritdoc/>
    public LeadershipTerm? CurrentTerm
    {
        get
        {
            lock (_gate)
            {
                // Past the deadline the term is over whether or not the watchdog has run yet (a pause just ended).
                return _term is { } term && Alive(_termSession!) ? term : null;
            }
        }
    }

    /// <summary>Starts campaigning in the background; calling it again does nothing.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }

            _started = true;
            _notifier = Task.Run(NotifyAsync);
            _campaign = Task.Run(() => CampaignAsync(_stopping.Token));
        }
    }

    /// <inheritdoc/>
    public ValueTask<LeadershipTerm> WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        Task<LeadershipTerm> next;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_term is { } term && Alive(_termSession!))
            {
                return ValueTask.FromResult(term);
            }

            next = _nextTerm.Task;
        }

        return new ValueTask<LeadershipTerm>(next.WaitAsync(cancellationToken));
    }

    /// <inheritdoc/>
    /// <remarks>The term ends before this returns; then the leader's key is deleted, so the next candidate leads at
    /// once, and this node campaigns again with a new key, behind every candidate waiting.</remarks>
    public async ValueTask ResignAsync(CancellationToken cancellationToken = default)
    {
        Task resigned;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_term is null || _resign is null || _resigned is null)
            {
                return;
            }

            EndTerm(LeadershipChangeReason.Resigned);
            resigned = _resigned.Task;
            _resign.Cancel();
        }

        await resigned.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets who leads now, as etcd holds it, whether or not it is this node.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The leader, or <see langword="null"/> when no candidate campaigns.</returns>
    public async Task<EtcdLeader?> GetLeaderAsync(CancellationToken cancellationToken = default)
        => (await ReadLeaderAsync(cancellationToken).ConfigureAwait(false)).Leader;

    /// <summary>Follows who leads: yields the leader now, then each time it changes (<see langword="null"/> while no one campaigns). Needs no <see cref="Start"/>: an observer need not be a candidate.</summary>
    /// <param name="cancellationToken">Ends the sequence with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>The leaders, in order.</returns>
    public async IAsyncEnumerable<EtcdLeader?> ObserveAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        EtcdLeader? last = null;
        bool first = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (EtcdLeader? leader, long revision) = await ReadLeaderAsync(cancellationToken).ConfigureAwait(false);
            if (first || leader != last)
            {
                first = false;
                last = leader;
                yield return leader;
            }

            await WaitForChangeAsync(_keys.Directory, _keys.DirectoryEnd, revision + 1, deletesOnly: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops campaigning: a term ends (<see cref="LeadershipChangeReason.Stopped"/>) and the lease is revoked.</summary>
    /// <returns>A task that completes when the election has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _campaign.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        lock (_gate)
        {
            EndTerm(LeadershipChangeReason.Stopped);
            _nextTerm.TrySetException(new ObjectDisposedException(nameof(EtcdLeaderElection)));
        }

        _changes.Writer.TryComplete();
        await _notifier.ConfigureAwait(false);
        _etcd.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Stops campaigning, as <see cref="DisposeAsync"/> does, and waits for it.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static TaskCompletionSource<LeadershipTerm> NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool Alive(LeaseSession session) => !session.Lost.IsCancellationRequested && session.Deadline.IsAlive();

    /// <summary>Begins a term on a session that is still alive; false when it was lost meanwhile (its end would be missed).</summary>
    private bool BeginTerm(long fencingToken, LeaseSession session)
    {
        lock (_gate)
        {
            // Lost reads cancelled before its callbacks run, so a loss that races this is seen here or ends the term.
            if (!Alive(session))
            {
                return false;
            }

            _termSource = new CancellationTokenSource();
            _termSession = session;
            var term = new LeadershipTerm(fencingToken, _time.GetUtcNow(), _termSource.Token);
            _term = term;
            _nextTerm.TrySetResult(term);
            _nextTerm = NewWaiter();
            _changes.Writer.TryWrite(new LeadershipChange(true, fencingToken, term.AcquiredAt, LeadershipChangeReason.Elected));
            Log.Elected(_logger, Name, fencingToken);
            return true;
        }
    }

    /// <summary>Ends the current term, if any; under <see cref="_gate"/> or not, it is idempotent.</summary>
    private void EndTerm(LeadershipChangeReason reason)
    {
        lock (_gate)
        {
            if (_term is not { } ended)
            {
                return;
            }

            _term = null;
            _termSession = null;
            CancellationTokenSource source = _termSource!;
            _termSource = null;

            // The token reads cancelled at once; its callbacks run on the thread pool, off the campaign.
            _ = source.CancelAsync();
            _changes.Writer.TryWrite(new LeadershipChange(false, ended.FencingToken, _time.GetUtcNow(), reason));
            Log.TermEnded(_logger, Name, ended.FencingToken, reason);
        }
    }

    private async Task NotifyAsync()
    {
        await foreach (LeadershipChange change in _changes.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                LeadershipChanged?.Invoke(this, change);
            }
#pragma warning disable CA1031 // a listener's failure must never stop the election or later notifications
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
