namespace Vrrp.Keepalived;

/// <summary>The VRRP part of a keepalived configuration: <c>global_defs</c>, instances, scripts, track files and sync groups.</summary>
/// <remarks>
/// Records compare by value, lists by their items. <see cref="Warnings"/> and each section's <c>Source</c> describe the
/// text it was read from, so a written and re-read configuration equals the original once those are set aside.
/// </remarks>
public sealed record KeepalivedConfiguration
{
    /// <summary>Gets the VRRP and GARP keys of <c>global_defs</c>.</summary>
    public KeepalivedGlobalDefinitions GlobalDefinitions { get; init; } = new();

    /// <summary>Gets the <c>vrrp_instance</c> sections, in file order.</summary>
    public IReadOnlyList<KeepalivedInstance> Instances { get; init => field = EquatableList<KeepalivedInstance>.From(value); } = EquatableList<KeepalivedInstance>.Empty;

    /// <summary>Gets the <c>vrrp_script</c> sections, in file order.</summary>
    public IReadOnlyList<KeepalivedScript> Scripts { get; init => field = EquatableList<KeepalivedScript>.From(value); } = EquatableList<KeepalivedScript>.Empty;

    /// <summary>Gets the <c>vrrp_track_file</c> sections, in file order.</summary>
    public IReadOnlyList<KeepalivedTrackFile> TrackFiles { get; init => field = EquatableList<KeepalivedTrackFile>.From(value); } = EquatableList<KeepalivedTrackFile>.Empty;

    /// <summary>Gets the <c>vrrp_track_process</c> sections.</summary>
    public IReadOnlyList<KeepalivedTrackProcess> TrackProcesses { get; init => field = EquatableList<KeepalivedTrackProcess>.From(value); } = EquatableList<KeepalivedTrackProcess>.Empty;

    /// <summary>Gets the <c>vrrp_sync_group</c> sections, in file order.</summary>
    public IReadOnlyList<KeepalivedSyncGroup> SyncGroups { get; init => field = EquatableList<KeepalivedSyncGroup>.From(value); } = EquatableList<KeepalivedSyncGroup>.Empty;

    /// <summary>Gets the <c>track_group</c> sections, in file order.</summary>
    public IReadOnlyList<KeepalivedTrackGroup> TrackGroups { get; init => field = EquatableList<KeepalivedTrackGroup>.From(value); } = EquatableList<KeepalivedTrackGroup>.Empty;

    /// <summary>Gets <c>static_ipaddress</c>: addresses held for as long as the daemon runs, whatever the routers' states.</summary>
    public IReadOnlyList<KeepalivedVirtualAddress> StaticAddresses { get; init => field = EquatableList<KeepalivedVirtualAddress>.From(value); } = EquatableList<KeepalivedVirtualAddress>.Empty;

    /// <summary>
    /// Gets <c>static_routes</c>, one route per entry in <c>ip route</c>'s words, held for as long as the daemon runs;
    /// an entry may end with keepalived's <c>track_group NAME</c>, which <see cref="Plan.KeepalivedPlan"/> takes off.
    /// </summary>
    public IReadOnlyList<string> StaticRoutes { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>
    /// Gets <c>static_rules</c>, one rule per entry in <c>ip rule</c>'s words, held for as long as the daemon runs; an
    /// entry may end with keepalived's <c>track_group NAME</c>, which <see cref="Plan.KeepalivedPlan"/> takes off.
    /// </summary>
    public IReadOnlyList<string> StaticRules { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Gets the warnings found while reading: unknown keywords, skipped non-VRRP sections, ignored values.</summary>
    public IReadOnlyList<KeepalivedDiagnostic> Warnings { get; init => field = EquatableList<KeepalivedDiagnostic>.From(value); } = EquatableList<KeepalivedDiagnostic>.Empty;
}
