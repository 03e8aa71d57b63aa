namespace Vrrp.Election;

/// <summary>One term of leadership.</summary>
/// <param name="FencingToken">
/// The term's fencing token: greater than every earlier term's on this node. Across nodes it is as strong as the
/// backend makes it (an etcd revision always; a VRRP takeover time when the clocks agree).
/// </param>
/// <param name="AcquiredAt">When the term began, by the election's clock.</param>
/// <param name="LeadershipLost">
/// Fires when the term ends. It reads cancelled at once, before the next term can begin anywhere the backend can see;
/// the callbacks registered on it run afterwards on the thread pool, so under a virtual clock they may see a later
/// time than the term's end, and in real time they may run after the next term began elsewhere. Decide by the token's
/// state and the fencing token, never by when a callback runs.
/// </param>
public readonly record struct LeadershipTerm(long FencingToken, DateTimeOffset AcquiredAt, CancellationToken LeadershipLost);
