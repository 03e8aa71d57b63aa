using dotnet_etcd;

namespace Vrrp.Election.Etcd;

/// <summary>How an <see cref="EtcdLeaderElection"/> reaches etcd and how long its lease and terms last.</summary>
public sealed class EtcdLeaderElectionOptions
{
    /// <summary>Gets or sets the etcd members, as URLs separated by commas (<c>http://10.0.0.1:2379,http://10.0.0.2:2379</c>). Required unless <see cref="Client"/> is set.</summary>
    public string? Endpoints { get; set; }

    /// <summary>
    /// Gets or sets a client to use instead of <see cref="Endpoints"/>: for TLS or authentication set up your own way.
    /// The election does not dispose it.
    /// </summary>
    public EtcdClient? Client { get; set; }

    /// <summary>Gets or sets the prefix of the election's keys; the keys are <c>{KeyPrefix}{name}/{lease id}</c>. Default <c>/vrrp/election/</c>.</summary>
    public string KeyPrefix { get; set; } = "/vrrp/election/";

    /// <summary>Gets or sets what this candidate writes in its key, shown to observers as the leader; by default the host name and process id.</summary>
    public string? Candidate { get; set; }

    /// <summary>
    /// Gets or sets the lease's time to live: whole seconds, 2 s to 1 h. Default 10 s. A leader that dies or loses etcd
    /// is replaced after about this long.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long before the lease could expire at the server the term ends here: more than 0, and with two
    /// <see cref="KeepAliveInterval"/>s at most <see cref="LeaseTtl"/>. Default 2 s. It covers the clock-rate difference
    /// between this node and etcd's leader, and the time to stop work once the term's token fires.
    /// </summary>
    public TimeSpan SafetyMargin { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how often the lease is kept alive; default a third of <see cref="LeaseTtl"/> (set it to <see cref="TimeSpan.Zero"/> for that).</summary>
    public TimeSpan KeepAliveInterval { get; set; }

    /// <summary>Gets or sets the deadline of each request to etcd: 100 ms to 1 min. Default 2 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the wait before campaigning again after etcd failed a request: 10 ms to 1 min. Default 500 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets the keep-alive interval in force: <see cref="KeepAliveInterval"/>, or a third of the TTL.</summary>
    internal TimeSpan EffectiveKeepAliveInterval => KeepAliveInterval > TimeSpan.Zero ? KeepAliveInterval : LeaseTtl / 3;

    /// <summary>Checks the options; each problem names the field and its allowed range.</summary>
    /// <returns>The problems; empty when the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Client is null && string.IsNullOrWhiteSpace(Endpoints))
        {
            problems.Add("Endpoints is required (etcd URLs separated by commas) unless Client is set.");
        }

        if (string.IsNullOrEmpty(KeyPrefix))
        {
            problems.Add("KeyPrefix must not be empty.");
        }

        if (LeaseTtl < TimeSpan.FromSeconds(2) || LeaseTtl > TimeSpan.FromHours(1) || LeaseTtl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            problems.Add($"LeaseTtl must be whole seconds, 2 s to 3600 s; got {LeaseTtl.TotalSeconds} s.");
        }

        if (KeepAliveInterval < TimeSpan.Zero)
        {
            problems.Add($"KeepAliveInterval must be 0 (a third of LeaseTtl) or more; got {KeepAliveInterval.TotalMilliseconds} ms.");
        }

        if (SafetyMargin <= TimeSpan.Zero || SafetyMargin + (2 * EffectiveKeepAliveInterval) > LeaseTtl)
        {
            problems.Add($"SafetyMargin must be more than 0 and, with two keep-alive intervals ({EffectiveKeepAliveInterval.TotalMilliseconds} ms each), at most LeaseTtl ({LeaseTtl.TotalSeconds} s); got {SafetyMargin.TotalMilliseconds} ms.");
        }

        if (RequestTimeout < TimeSpan.FromMilliseconds(100) || RequestTimeout > TimeSpan.FromMinutes(1))
        {
            problems.Add($"RequestTimeout must be 100 ms to 60 s; got {RequestTimeout.TotalMilliseconds} ms.");
        }

        if (RetryDelay < TimeSpan.FromMilliseconds(10) || RetryDelay > TimeSpan.FromMinutes(1))
        {
            problems.Add($"RetryDelay must be 10 ms to 60 s; got {RetryDelay.TotalMilliseconds} ms.");
        }

        return problems;
    }
}
