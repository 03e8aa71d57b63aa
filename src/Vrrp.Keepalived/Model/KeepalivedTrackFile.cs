namespace Vrrp.Keepalived;

/// <summary>A <c>vrrp_track_file</c> (or top-level <c>track_file</c>): a file holding a number that, times the weight, moves the priority of the instances that track it.</summary>
public sealed record KeepalivedTrackFile
{
    /// <summary>The smallest <c>weight</c> the reader accepts.</summary>
    public const int MinWeight = -254;

    /// <summary>The largest <c>weight</c> the reader accepts.</summary>
    public const int MaxWeight = 254;

    /// <summary>Gets the name, which <c>track_file</c> in an instance refers to.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the path of the tracked file (<c>file</c>).</summary>
    public string File { get; init; } = string.Empty;

    /// <summary>Gets the weight (<c>weight</c>). Default 1.</summary>
    public int Weight { get; init; } = 1;

    /// <summary>Gets a value indicating whether the weight's direction is reversed (<c>weight N reverse</c>).</summary>
    public bool WeightReverse { get; init; }

    /// <summary>Gets the value written to the file at startup if it does not exist (<c>init_file [VALUE]</c>, default value 0); <see langword="null"/> without <c>init_file</c>.</summary>
    public int? InitFileValue { get; init; }

    /// <summary>Gets a value indicating whether <c>init_file</c> overwrites an existing file (<c>init_file VALUE overwrite</c>).</summary>
    public bool InitFileOverwrite { get; init; }

    /// <summary>Gets where the section starts.</summary>
    public KeepalivedSourceLocation Source { get; init; }
}
