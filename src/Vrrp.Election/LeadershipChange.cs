namespace Vrrp.Election;

/// <summary>A node gained or lost leadership.</summary>
/// <param name="IsLeader">Whether the node leads after the change.</param>
/// <param name="FencingToken">The token of the term that began or ended.</param>
/// <param name="Timestamp">When, by the election's clock.</param>
/// <param name="Reason">Why, in words every backend shares.</param>
public readonly record struct LeadershipChange(bool IsLeader, long FencingToken, DateTimeOffset Timestamp, LeadershipChangeReason Reason);
