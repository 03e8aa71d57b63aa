namespace Vrrp.Keepalived;

/// <summary>
/// A <c>vrrp_track_process</c>: how many processes of a kind must run, which moves the priority of the instances that
/// track it by its weight (or, with weight 0, puts them in Fault) when they do not.
/// </summary>
public sealed record KeepalivedTrackProcess
{
    /// <summary>Gets the name, which <c>track_process</c> in an instance or sync group refers to.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the process's name or command (<c>process</c>'s first word).</summary>
    public string Process { get; init; } = string.Empty;

    /// <summary>Gets the parameters (<c>process</c>'s other words).</summary>
    public IReadOnlyList<string> Parameters { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Gets how the parameters are compared (<c>param_match</c>); parameters alone mean exact.</summary>
    public KeepalivedParameterMatch ParameterMatch { get; init; }

    /// <summary>Gets a value indicating whether the command line is compared rather than the process name (<c>full_command</c>).</summary>
    public bool FullCommand { get; init; }

    /// <summary>Gets the weight (<c>weight</c>), -254 to 254; 0, the default, puts the instances in Fault.</summary>
    public int Weight { get; init; }

    /// <summary>Gets a value indicating whether the weight's direction is reversed (<c>weight N reverse</c>).</summary>
    public bool WeightReverse { get; init; }

    /// <summary>Gets the fewest processes that count as up (<c>quorum</c>, 1 to 65535; default 1).</summary>
    public int Quorum { get; init; } = 1;

    /// <summary>Gets the most processes that count as up (<c>quorum_max</c>, 0 to 65535; <see cref="int.MaxValue"/> when not set).</summary>
    public int QuorumMaximum { get; init; } = int.MaxValue;

    /// <summary>Gets how long the quorum must hold before it counts (<c>fork_delay</c>, or <c>delay</c>).</summary>
    public TimeSpan ForkDelay { get; init; }

    /// <summary>Gets how long the quorum must be lost before it counts (<c>terminate_delay</c>, or <c>delay</c>).</summary>
    public TimeSpan TerminateDelay { get; init; }

    /// <summary>Gets where the section starts.</summary>
    public KeepalivedSourceLocation Source { get; init; }
}

/// <summary>How <c>vrrp_track_process</c> compares parameters (<c>param_match</c>).</summary>
public enum KeepalivedParameterMatch
{
    /// <summary>Not compared (no parameters, no <c>param_match</c>).</summary>
    None,

    /// <summary>Exactly those given (<c>param_match</c> without a value, or parameters alone).</summary>
    Exact,

    /// <summary>The first parameters are those given (<c>param_match partial</c>).</summary>
    Partial,

    /// <summary>As partial, the last given may begin the process's (<c>param_match initial</c>).</summary>
    Initial,
}
