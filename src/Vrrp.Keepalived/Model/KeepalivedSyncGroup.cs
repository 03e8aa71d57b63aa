namespace Vrrp.Keepalived;

/// <summary>A <c>vrrp_sync_group</c>: instances that change state together, with their own tracking and notify scripts.</summary>
public sealed record KeepalivedSyncGroup
{
    /// <summary>Gets the group's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the names of the member instances (<c>group { }</c>).</summary>
    public IReadOnlyList<string> Group { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Gets the tracked scripts (<c>track_script</c>).</summary>
    public IReadOnlyList<KeepalivedTrack> TrackScripts { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the tracked interfaces (<c>track_interface</c>).</summary>
    public IReadOnlyList<KeepalivedTrack> TrackInterfaces { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the tracked files (<c>track_file</c>).</summary>
    public IReadOnlyList<KeepalivedTrack> TrackFiles { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the tracked processes (<c>track_process</c>), by <c>vrrp_track_process</c> name.</summary>
    public IReadOnlyList<KeepalivedTrack> TrackProcesses { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the script run on every state change with <c>GROUP NAME STATE</c> appended (<c>notify</c>).</summary>
    public string? Notify { get; init; }

    /// <summary>Gets the script run on becoming master (<c>notify_master</c>).</summary>
    public string? NotifyMaster { get; init; }

    /// <summary>Gets the script run on becoming backup (<c>notify_backup</c>).</summary>
    public string? NotifyBackup { get; init; }

    /// <summary>Gets the script run on entering Fault (<c>notify_fault</c>).</summary>
    public string? NotifyFault { get; init; }

    /// <summary>Gets the script run when stopping (<c>notify_stop</c>).</summary>
    public string? NotifyStop { get; init; }

    /// <summary>Gets where the section starts.</summary>
    public KeepalivedSourceLocation Source { get; init; }
}
