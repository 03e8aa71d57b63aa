using Vrrp;
using Vrrp.Health;
using Vrrp.Keepalived.Notify;
using Vrrp.Linux.Netlink;
using Vrrp.Notifications;

namespace VrrpDaemon;

/// <summary>What the daemon should run, read from a JSON file or a keepalived.conf.</summary>
/// <param name="Routers">The routers.</param>
/// <param name="Checks">The health checks the routers track, each run once however many routers track it.</param>
/// <param name="SyncGroups">Sync groups by name, with their members' names.</param>
/// <param name="NotifyFifo">keepalived's notify FIFO, or null.</param>
/// <param name="StateFile">The state file for monitoring, or null.</param>
internal sealed record DaemonPlan(
    IReadOnlyList<RouterPlan> Routers,
    IReadOnlyDictionary<string, CheckPlan> Checks,
    IReadOnlyList<SyncGroupPlan> SyncGroups,
    string? NotifyFifo,
    string? StateFile);

/// <summary>
/// One router. A reload restarts it only when its options changed (<see cref="VrrpService.ApplyAsync"/>), which
/// include the checks it tracks; its notify scripts change without a restart.
/// </summary>
internal sealed record RouterPlan(string Name, VirtualRouterOptions Options, IReadOnlyList<TrackPlan> Tracks, NotifyScripts? Notify);

/// <summary>A router's use of a check: which, and with what weight.</summary>
internal sealed record TrackPlan(string CheckKey, int Weight);

/// <summary>A scheduled check; a reload replaces it only when its <paramref name="Fingerprint"/> changed.</summary>
// Create takes the host's one link monitor: track_interface checks read the state it keeps.
internal sealed record CheckPlan(string Key, UInt128 Fingerprint, ScheduledCheckOptions Options, Func<LinkMonitor, IVrrpHealthCheck> Create);

/// <summary>A sync group.</summary>
internal sealed record SyncGroupPlan(string Name, IReadOnlyList<string> Members, NotifyScripts? Notify);
