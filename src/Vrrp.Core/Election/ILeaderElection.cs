namespace Vrrp.Election;

/// <summary>
/// Leader election on top of a virtual router: this node leads while its router is master. Each term of leadership
/// has a fencing token, a number that grows with every new term, and a <see cref="CancellationToken"/> that fires
/// when the term ends.
/// </summary>
/// <remarks>
/// Like any failover protocol, VRRP can briefly elect two masters (a partition, a lost advertisement): pass the
/// fencing token to whatever the leader writes to, and have it refuse a token lower than one it has seen.
/// </remarks>
public interface ILeaderElection
{
    /// <summary>Gets a value indicating whether this node leads now.</summary>
    bool IsLeader { get; }

    /// <summary>Gets the current term, or <see langword="null"/> when this node does not lead: one consistent snapshot of token, start and cancellation.</summary>
    LeadershipTerm? CurrentTerm { get; }

    /// <summary>
    /// Raised when this node gains or loses leadership, from the router's <see cref="VirtualRouter.StateChanged"/>: on
    /// the router's listeners' lane, never on its protocol loop, in order for each router, on the clock's time of the
    /// change. A handler that blocks delays the router's later notifications (not its adverts); one that throws is
    /// counted (<see cref="Diagnostics.VirtualRouterStatistics.NotifierFailures"/>).
    /// </summary>
    event EventHandler<LeadershipChange>? LeadershipChanged;

    /// <summary>Waits until this node leads; completes at once when it leads already.</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The term won.</returns>
    ValueTask<LeadershipTerm> WaitForLeadershipAsync(CancellationToken cancellationToken = default);
}
