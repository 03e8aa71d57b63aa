using System.Runtime.Versioning;
using Vrrp.Health;
using Vrrp.Linux.Netlink;

namespace Vrrp.Keepalived.Plan;

/// <summary>
/// A scheduled check (<c>vrrp_script</c>, <c>track_interface</c>, <c>track_file</c>): how often and how it runs, and
/// how to make it. A reload replaces it only when its <see cref="Fingerprint"/> changed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class KeepalivedCheckPlan
{
    private readonly Func<LinkMonitor, IVrrpHealthCheck> _create;

    internal KeepalivedCheckPlan(string key, UInt128 fingerprint, ScheduledCheckOptions options, Func<LinkMonitor, IVrrpHealthCheck> create)
    {
        Key = key;
        Fingerprint = fingerprint;
        Options = options;
        _create = create;
    }

    /// <summary>Gets the key routers name it by: <c>script:NAME</c>, <c>interface:NAME</c> or <c>file:NAME</c>.</summary>
    public string Key { get; }

    /// <summary>Gets a value that changes whenever the check's configuration does.</summary>
    public UInt128 Fingerprint { get; }

    /// <summary>Gets its schedule: interval, timeout, rise, fall, weight.</summary>
    public ScheduledCheckOptions Options { get; }

    /// <summary>Makes the check; the caller owns it (dispose it when it is <see cref="IDisposable"/>).</summary>
    /// <param name="links">The host's one link monitor: <c>track_interface</c> checks read the state it keeps.</param>
    /// <returns>The check, to schedule with <see cref="ScheduledHealthCheck"/>.</returns>
    public IVrrpHealthCheck Create(LinkMonitor links) => _create(links);
}
