namespace Vrrp.Election.Harness;

/// <summary>One fault's rounds: the failover of each (null: none in the window) and when the rounds ran (CLOCK_MONOTONIC).</summary>
internal sealed record FaultResult(string Fault, List<double?> FailoversMs, int Rounds, long Start, long End);
