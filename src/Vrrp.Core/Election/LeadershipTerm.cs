namespace Vrrp.Election;

/// <summary>One term of leadership.</summary>
/// <param name="FencingToken">The term's fencing token: greater than every earlier term's on this node (see <see cref="VrrpLeaderElection"/> for what holds across nodes).</param>
/// <param name="AcquiredAt">When the term began, by the election's clock.</param>
/// <param name="LeadershipLost">
/// Fires when the term ends: the router left the master state, or the election was disposed. It reads cancelled at
/// once, in the router's state change, before the next term can begin. The callbacks registered on it run afterwards
/// on the thread pool, not in the state change: under a virtual clock they may see a later time than the term's end,
/// and in real time they may run after the next term began elsewhere. Decide by the token's state and the fencing
/// token, never by when a callback runs.
/// </param>
public readonly record struct LeadershipTerm(long FencingToken, DateTimeOffset AcquiredAt, CancellationToken LeadershipLost);
