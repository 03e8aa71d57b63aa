namespace Vrrp.Election;

/// <summary>One term of leadership.</summary>
/// <param name="FencingToken">The term's fencing token: greater than every earlier term's on this node (see <see cref="VrrpLeaderElection"/> for what holds across nodes).</param>
/// <param name="AcquiredAt">When the term began, by the election's clock.</param>
/// <param name="LeadershipLost">Fires when the term ends: the router left the master state, or the election was disposed.</param>
public readonly record struct LeadershipTerm(long FencingToken, DateTimeOffset AcquiredAt, CancellationToken LeadershipLost);
