using Vrrp.Keepalived.Notify;

namespace Vrrp.Keepalived.Plan;

/// <summary>One <c>vrrp_instance</c> as a router: its options, the checks it tracks and its notify scripts.</summary>
/// <param name="Name">The instance's name, which is the router's.</param>
/// <param name="Options">
/// The router's options. Their <see cref="VirtualRouterOptions.TrackedChecks"/> are the host's to fill from
/// <paramref name="Tracks"/>: a check runs once, however many routers track it.
/// </param>
/// <param name="Tracks">The checks it tracks, by key in <see cref="KeepalivedPlan.Checks"/>, with their weights.</param>
/// <param name="Notify">Its notify scripts, or null.</param>
public sealed record KeepalivedRouterPlan(string Name, VirtualRouterOptions Options, IReadOnlyList<KeepalivedTrackPlan> Tracks, NotifyScripts? Notify);

/// <summary>A router's use of a check: which, and with what weight.</summary>
/// <param name="CheckKey">The check's key in <see cref="KeepalivedPlan.Checks"/>.</param>
/// <param name="Weight">The weight: −253 to 253; 0 makes a failure a Fault.</param>
/// <param name="Reverse">Whether the weight works the other way (keepalived's <c>reverse</c>; see <see cref="Vrrp.Health.TrackedCheck.Reverse"/>).</param>
public sealed record KeepalivedTrackPlan(string CheckKey, int Weight, bool Reverse = false);

/// <summary>A <c>vrrp_sync_group</c>: its members by name, and its notify scripts.</summary>
/// <param name="Name">The group's name.</param>
/// <param name="Members">The names of its member instances.</param>
/// <param name="Notify">Its notify scripts, or null.</param>
public sealed record KeepalivedSyncGroupPlan(string Name, IReadOnlyList<string> Members, NotifyScripts? Notify);
