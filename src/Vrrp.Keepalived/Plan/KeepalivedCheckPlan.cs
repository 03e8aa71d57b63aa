using System.Runtime.Versioning;
using Vrrp.Health;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Processes;

namespace Vrrp.Keepalived.Plan;

/// <summary>
/// A scheduled check (<c>vrrp_script</c>, <c>track_interface</c>, <c>track_file</c>, <c>track_process</c>): how often and how it runs, and
/// how to make it. A reload replaces it only when its <see cref="Fingerprint"/> changed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class KeepalivedCheckPlan
{
    private readonly Func<LinkMonitor, ProcessMonitor?, IVrrpHealthCheck> _create;

    internal KeepalivedCheckPlan(string key, UInt128 fingerprint, ScheduledCheckOptions options, Func<LinkMonitor, IVrrpHealthCheck> create)
        : this(key, fingerprint, options, (links, _) => create(links), usesProcesses: false)
    {
    }

    internal KeepalivedCheckPlan(string key, UInt128 fingerprint, ScheduledCheckOptions options, Func<LinkMonitor, ProcessMonitor?, IVrrpHealthCheck> create, bool usesProcesses)
    {
        UsesProcesses = usesProcesses;
        Key = key;
        Fingerprint = fingerprint;
        Options = options;
        _create = create;
    }

    /// <summary>Gets the key routers name it by: <c>script:NAME</c>, <c>interface:NAME</c>, <c>file:NAME</c>, <c>process:NAME</c>, <c>source:INTERFACE/ADDRESS</c> (<c>track_src_ip</c>) or <c>config:INSTANCE</c> (a configuration fault).</summary>
    public string Key { get; }

    /// <summary>Gets a value that changes whenever the check's configuration does.</summary>
    public UInt128 Fingerprint { get; }

    /// <summary>Gets its schedule: interval, timeout, rise, fall, weight.</summary>
    public ScheduledCheckOptions Options { get; }

    /// <summary>Gets a value indicating whether the check counts processes (<c>track_process</c>): <see cref="Create"/> then needs a process monitor.</summary>
    public bool UsesProcesses { get; }

    /// <summary>Makes the check; the caller owns it (dispose it when it is <see cref="IDisposable"/>).</summary>
    /// <param name="links">The host's one link monitor: <c>track_interface</c> checks read the state it keeps.</param>
    /// <param name="processes">The host's one process monitor, needed when <see cref="UsesProcesses"/>.</param>
    /// <returns>The check, to schedule with <see cref="ScheduledHealthCheck"/>.</returns>
    /// <exception cref="InvalidOperationException">The check counts processes and no monitor was given.</exception>
    public IVrrpHealthCheck Create(LinkMonitor links, ProcessMonitor? processes = null) =>
        UsesProcesses && processes is null ? throw new InvalidOperationException($"{Key} counts processes: give a ProcessMonitor.") : _create(links, processes);
}
