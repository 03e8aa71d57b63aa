namespace Vrrp.Election;

/// <summary>
/// One election among the nodes of a service: at most one of them should lead at a time, and each term of leadership
/// has a fencing token and a <see cref="CancellationToken"/> that fires when the term ends.
/// </summary>
/// <remarks>
/// <para>
/// No backend can promise that an old leader has stopped acting by the time a new one starts: a process can pause
/// (GC, SIGSTOP, a frozen VM) between checking that it leads and writing. Pass the term's
/// <see cref="LeadershipTerm.FencingToken"/> to whatever the leader writes to, and have it refuse a token lower than
/// the highest it has seen.
/// </para>
/// <para>
/// What a backend guarantees differs: VRRP (Vrrp.Core) fails over in milliseconds on one segment, may elect two
/// leaders during a partition, and its tokens are ordered across nodes only as well as their clocks agree; etcd
/// (Vrrp.Election.Etcd) is linearizable, its tokens are etcd revisions that no stale leader can beat, and it fails
/// over in about the lease's time to live. See docs/leader-election.md.
/// </para>
/// </remarks>
public interface ILeaderElection
{
    /// <summary>Gets a value indicating whether this node leads now.</summary>
    bool IsLeader { get; }

    /// <summary>Gets the current term, or <see langword="null"/> when this node does not lead: one consistent snapshot of token, start and cancellation.</summary>
    LeadershipTerm? CurrentTerm { get; }

    /// <summary>
    /// Raised when this node gains or loses leadership, in order, never on the backend's own protocol path: a handler
    /// that blocks delays later notifications only, and one that throws is swallowed (and counted where the backend
    /// has counters).
    /// </summary>
    event EventHandler<LeadershipChange>? LeadershipChanged;

    /// <summary>Waits until this node leads; completes at once when it leads already.</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The term won.</returns>
    ValueTask<LeadershipTerm> WaitForLeadershipAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives up the current term, if any, so that another node can lead: the term's token fires before this returns,
    /// with <see cref="LeadershipChangeReason.Resigned"/>. The node stays a candidate at the back of the line: it
    /// leads again only when no other candidate does.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the backend to confirm; the term has ended either way.</param>
    /// <returns>A task that completes when the backend has let the others know.</returns>
    ValueTask ResignAsync(CancellationToken cancellationToken = default);
}
