namespace Vrrp.Election.Etcd;

/// <summary>Who leads an election, as etcd holds it now.</summary>
/// <param name="Candidate">What the leader wrote in its key (<see cref="EtcdLeaderElectionOptions.Candidate"/>).</param>
/// <param name="FencingToken">The leader's fencing token: the revision at which its key was created.</param>
/// <param name="LeaseId">The leader's lease.</param>
public sealed record EtcdLeader(string Candidate, long FencingToken, long LeaseId);
