namespace Vrrp.Keepalived;

/// <summary>A <c>vrrp_script</c>: a command run every interval whose exit status moves the priority of the instances that track it.</summary>
public sealed record KeepalivedScript
{
    /// <summary>The smallest <c>weight</c>.</summary>
    public const int MinWeight = -253;

    /// <summary>The largest <c>weight</c>.</summary>
    public const int MaxWeight = 253;

    /// <summary>Gets the script's name, which <c>track_script</c> refers to.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the command line (<c>script</c>), as keepalived would run it.</summary>
    public string Command { get; init; } = string.Empty;

    /// <summary>Gets the time between runs (<c>interval</c>). Default 1 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the time after which a run counts as failed (<c>timeout</c>); <see langword="null"/> for keepalived's default, the interval.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets the successes needed to turn healthy (<c>rise</c>). Default 1.</summary>
    public int Rise { get; init; } = 1;

    /// <summary>Gets the failures needed to turn failing (<c>fall</c>). Default 1.</summary>
    public int Fall { get; init; } = 1;

    /// <summary>Gets the weight (<c>weight</c>), −253 to 253; 0 (the default) makes a failure a Fault.</summary>
    public int Weight { get; init; }

    /// <summary>Gets a value indicating whether the weight's direction is reversed (<c>weight N reverse</c>).</summary>
    public bool WeightReverse { get; init; }

    /// <summary>Gets the user and optional group to run as (<c>user USER [GROUP]</c>).</summary>
    public string? User { get; init; }

    /// <summary>Gets a value indicating whether the script starts as failing (<c>init_fail</c>).</summary>
    public bool InitFail { get; init; }

    /// <summary>Gets where the section starts.</summary>
    public KeepalivedSourceLocation Source { get; init; }
}
