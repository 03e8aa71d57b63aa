namespace Vrrp.Election;

/// <summary>Why a node gained or lost leadership, in words every backend shares.</summary>
public enum LeadershipChangeReason
{
    /// <summary>The node won: no other candidate led, or the one that did left (VRRP: a takeover; etcd: the keys before this node's were deleted).</summary>
    Elected,

    /// <summary>Another node took over: a better candidate (VRRP: a higher priority), or this node's claim was removed by someone else (etcd: its key was deleted).</summary>
    Superseded,

    /// <summary>The node called <see cref="ILeaderElection.ResignAsync"/>.</summary>
    Resigned,

    /// <summary>The node could no longer show that it still holds the role (etcd: no keep-alive answered within the lease's time to live less the safety margin: a lost connection, a partition, a pause).</summary>
    Expired,

    /// <summary>The node is no longer fit to lead (VRRP: a failed check or a down interface).</summary>
    Unhealthy,

    /// <summary>The election or its backend stopped (disposed, the host stopping).</summary>
    Stopped,
}
