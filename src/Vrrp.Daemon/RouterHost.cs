using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vrrp;
using Vrrp.Addressing;
using Vrrp.Diagnostics;
using Vrrp.Health;
using Vrrp.Keepalived.Notify;
using Vrrp.Keepalived.Plan;
using Vrrp.Linux.Firewall;
using Vrrp.Linux.Links;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Processes;
using Vrrp.Linux.Timing;
using Vrrp.Notifications;

namespace VrrpDaemon;

/// <summary>
/// Runs a plan on the library's own hosting path: the routers are a <see cref="VrrpService"/> made by
/// <c>AddVrrp().UseLinux()</c>, which reloads by difference; around it, the plan's health checks, sync groups and
/// notifications. <see cref="ApplyAsync"/> again on reload: what did not change keeps running untouched.
/// </summary>
internal sealed class RouterHost : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly Action<string> _log;
    private readonly StaticEntries _static; // static_ipaddress, static_routes, static_rules
    private readonly ServiceProvider _services;
    private readonly VrrpService _service;
    private readonly LinkMonitor _links;
    private ProcessMonitor? _processes;
    private readonly TimeProvider _time; // the precise timer UseLinux() registers
    private readonly VrrpMetrics _metrics; // AddVrrp's: it reports every router the service runs
    private readonly HostNotifier _notifier;
    private readonly Dictionary<string, RunningCheck> _checks = new(StringComparer.Ordinal);
    private readonly HashSet<VirtualRouter> _known = [];
    private readonly List<VrrpSyncGroup> _groups = [];
    private DaemonNotifications? _notify;
    private string? _notifyFingerprint;
    private List<IDisposable> _attachments = [];
    private bool _started;
    private LinkLocalIgmpReports? _localIgmp;
    private bool _warnedNoNft;

    /// <summary>Whether an interface holds an address in a subnet that is not vrrpd's (see <see cref="NetlinkAddressManager.HoldsOthersAddressIn"/>).</summary>
    public bool HoldsOthersAddressIn(string interfaceName, VirtualAddress subnet) =>
        _services.GetRequiredService<NetlinkAddressManager>().HoldsOthersAddressIn(interfaceName, subnet);

    public RouterHost(ILoggerFactory loggers, Action<string> log)
    {
        _loggers = loggers;
        _log = log;
        // No ILoggerFactory in the container: the host notifier below logs each router once, in the daemon's format.
        var services = new ServiceCollection();
        services.AddVrrp().UseLinux();
        services.AddSingleton<IVrrpNotifier>(sp => new HostNotifier(log, new VirtualRouterLogger(loggers.CreateLogger("Vrrp.Router"), sp.GetRequiredService<TimeProvider>())));
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        RestoreMacvlanParents(); // before the service makes the transport factory, which would do it without a word
        _service = _services.GetRequiredService<VrrpService>();
        _notifier = (HostNotifier)_services.GetRequiredService<IVrrpNotifier>();
        _links = _services.GetRequiredService<LinkMonitor>();
        _time = _services.GetRequiredService<TimeProvider>();
        _metrics = _services.GetRequiredService<VrrpMetrics>();
        NetlinkAddressManager addresses = _services.GetRequiredService<NetlinkAddressManager>();
        _static = new StaticEntries(addresses, _links, log);
        addresses.AddressRestored += (_, address) => _log($"{address} was removed from outside while master: put back");
        addresses.RouteRestored += (_, what) => _log($"{what} was deleted from outside: put back");
        addresses.AddressNotOwned += (_, report) => _log($"warning: {report}");
        addresses.RequestFailed += (_, report) => _log($"error: {report}");

        // Raised on the timer thread, which must never wait on the console: logged from the pool.
        ProtocolThreadScheduling.PriorityRaised += (_, priority) => ThreadPool.QueueUserWorkItem(
            p => _log($"a timer fired over {ProtocolThreadScheduling.MinAutoPriorityDelay.TotalMilliseconds} ms late: protocol threads now at real-time priority {p} (max_auto_priority)"), priority, preferLocal: false);
        addresses.RouteRequestFailed += (_, report) => _log(report.Errno == 17 ? $"warning: {report}" : $"error: {report}");
        _services.GetRequiredService<MacvlanManager>().ReportFilterFailed += (_, report) => _log($"warning: {report}");
        ProtocolThreadScheduling.RealTimeLimitApproached += (_, _) => ThreadPool.QueueUserWorkItem(
            _ => _log("warning: a protocol thread at real-time priority used half its vrrp_rlimit_rttime without a blocking call; at the whole the kernel kills vrrpd"), null);
    }

    /// <summary>Gets the routers running now.</summary>
    public IReadOnlyCollection<VirtualRouter> Routers => _service.Routers;

    public async Task ApplyAsync(KeepalivedPlan plan)
    {
        // Everything that can refuse the plan is asked before anything running is touched: a bad reload changes nothing.
        Validate(plan);
        ApplyAcceptModeFirewall(plan);
        ApplyLocalIgmp(plan);
        ApplyVirtualMacReportFilter(plan);

        // keepalived's vrrp_rt_priority, max_auto_priority and min_auto_priority_delay: the protocol threads' scheduling.
        if (plan.RealTimePriority != ProtocolThreadScheduling.RealTimePriority)
        {
            ProtocolThreadScheduling.SetRealTimePriority(plan.RealTimePriority);
            _log($"protocol threads: real-time priority {plan.RealTimePriority}");
        }

        ProtocolThreadScheduling.MaxAutoPriority = plan.MaxAutoPriority;
        ApplyProcessSettings(plan);

        // keepalived's vrrp_no_swap: locked at start or when a reload asks, unlocked when a reload drops it.
        if (plan.NoSwap != ProcessMemoryLock.IsLocked)
        {
            if (plan.NoSwap)
            {
                try
                {
                    ProcessMemoryLock.Lock();
                    _log("vrrp_no_swap: memory locked (mlockall), never swapped out");
                }
                catch (Exception e) when (e is UnauthorizedAccessException or IOException)
                {
                    _log($"warning: vrrp_no_swap: {e.Message}");
                }
            }
            else
            {
                ProcessMemoryLock.Unlock();
                _log("vrrp_no_swap dropped: memory may be swapped again");
            }
        }
        Vrrp.Linux.Announcements.PacketSocketAnnouncer announcer = _services.GetRequiredService<Vrrp.Linux.Announcements.PacketSocketAnnouncer>();
        announcer.GarpInterval = plan.GarpInterval;
        announcer.GnaInterval = plan.GnaInterval;
        ProtocolThreadScheduling.MinAutoPriorityDelay = plan.MinAutoPriorityDelay;
        string notifyFingerprint = NotifyFingerprint(plan);
        DaemonNotifications? notify = notifyFingerprint == _notifyFingerprint ? null : DaemonNotifications.Create(plan, _loggers, _metrics);

        // Checks that are new or changed are made beside the running ones; a router tracking a changed check is
        // another router (its tracked checks differ) and restarts on the new one.
        var made = new Dictionary<string, RunningCheck>(StringComparer.Ordinal);
        foreach ((string key, KeepalivedCheckPlan wanted) in plan.Checks)
        {
            if (!_checks.TryGetValue(key, out RunningCheck? running) || running.Plan.Fingerprint != wanted.Fingerprint)
            {
                // Checks run on the system clock's pool, never on the precise timer thread that paces the adverts.
                // The one process monitor, made when a check first counts processes (it listens to the kernel's
                // process events, or walks /proc where it cannot).
                if (wanted.UsesProcesses)
                {
                    _processes ??= new ProcessMonitor();
                }

                IVrrpHealthCheck inner = wanted.Create(_links, _processes);
                made[key] = new RunningCheck(wanted, new ScheduledHealthCheck(InitialOptions(wanted.Options, inner), inner, TimeProvider.System, _loggers.CreateLogger("Vrrp.Health")), inner);
            }
        }

        RunningCheck CheckOf(string key) => made.TryGetValue(key, out RunningCheck? fresh) ? fresh : _checks[key];
        var routers = new List<VirtualRouterOptions>(plan.Routers.Count);
        foreach (KeepalivedRouterPlan wanted in plan.Routers)
        {
            VirtualRouterOptions options = wanted.Options;
            options.TrackedChecks.Clear();
            foreach (KeepalivedTrackPlan track in wanted.Tracks)
            {
                options.TrackedChecks.Add(CheckOf(track.CheckKey).TrackedWith(track.Weight, track.Reverse));
            }

            routers.Add(options);
        }

        VrrpReloadResult result;
        var staticBefore = _static.Wanted;
        try
        {
            // As keepalived: the static entries before the instances (a transport may take a static address as its
            // source). A reload the service refuses puts the previous ones back.
            _static.Apply(plan.StaticAddresses, plan.StaticRoutes, plan.StaticRules);

            // On the first plan the service has not started: the routers are made, and start once their sync groups
            // and notifications are wired. On a reload, new routers start at once.
            result = await _service.ApplyAsync(routers);
        }
        catch
        {
            _static.Apply(staticBefore.Addresses, staticBefore.Routes, staticBefore.Rules);
            foreach (RunningCheck check in made.Values)
            {
                await check.StopAsync();
            }

            if (notify is not null)
            {
                await notify.DisposeAsync();
            }

            throw;
        }

        foreach (string name in result.Restarted.Concat(result.Removed))
        {
            _log($"{name}: configuration changed or removed, stopped it");
        }

        foreach (string name in result.Updated)
        {
            _log($"{name}: priority, addresses or peers changed: updated in place, no restart");
        }

        // What the routers no longer track stops; what replaced it is now the running check.
        foreach ((string key, RunningCheck running) in _checks.ToList())
        {
            if (!plan.Checks.ContainsKey(key) || made.ContainsKey(key))
            {
                await running.StopAsync();
                _checks.Remove(key);
            }
        }

        foreach ((string key, RunningCheck check) in made)
        {
            _checks[key] = check;
        }

        IReadOnlyList<VirtualRouter> now = _service.Routers;
        foreach (VirtualRouter gone in _known.Where(r => !now.Contains(r)).ToList())
        {
            _known.Remove(gone);
            _notify?.Dispatcher.Forget(gone);
        }

        _known.UnionWith(now);

        if (notify is not null || result.Restarted.Count + result.Added.Count + result.Removed.Count > 0 || !_started)
        {
            await RewireNotificationsAsync(plan, notify, notifyFingerprint);
        }

        foreach (RunningCheck check in _checks.Values)
        {
            check.Check.Start(); // new checks start; running ones ignore it
        }

        if (!_started)
        {
            await _service.StartAsync(CancellationToken.None);
            _started = true;
        }
    }

    // keepalived's no_accept (and vrrp_strict's default): a master that is not the owner drops packets to its addresses.
    // Made once, at the first plan that needs it (nothing touches nftables before a router becomes master); a reload
    // that names another table or priority keeps the one running, with a word.
    // A check whose state is known when it is made starts in it: a router tracking a missing source address (track_src_ip)
    // starts in Fault, as keepalived's does, rather than in Backup until the first run says otherwise.
    private static ScheduledCheckOptions InitialOptions(ScheduledCheckOptions options, IVrrpHealthCheck check) =>
        check is SourceAddressHealthCheck { IsPresent: false } && !options.InitFail
            ? new ScheduledCheckOptions { Name = options.Name, Interval = options.Interval, Timeout = options.Timeout, Rise = options.Rise, Fall = options.Fall, Weight = options.Weight, InitFail = true, KnownAtStart = options.KnownAtStart }
            : options;

    // Logged here; the transport factory would do it silently before the first router otherwise.
    private void RestoreMacvlanParents()
    {
        try
        {
            foreach (string parent in _services.GetRequiredService<MacvlanManager>().RestoreSettingsLeftBehind())
            {
                _log($"{parent}: arp_ignore, arp_filter and arp_announce put back to their values before a crashed run's virtual MAC");
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Without CAP_NET_ADMIN vrrpd refuses to start a little later, naming it.
        }
    }

    private void ApplyAcceptModeFirewall(KeepalivedPlan plan)
    {
        if (plan.AcceptModeFirewallTable is not { } table)
        {
            return;
        }

        bool needed = plan.Routers.Any(static r => !r.Options.AcceptMode && r.Options.Priority != 255);
        NetlinkAddressManager addresses = _services.GetRequiredService<NetlinkAddressManager>();
        if (addresses.AcceptModeFirewall is { } running)
        {
            if (running.Table != table || running.ChainPriority != plan.AcceptModeFirewallPriority || running.Counters != plan.FirewallCounters)
            {
                _log($"warning: nftables, nftables_priority or nftables_counters changed: the firewall keeps table {running.Table}, priority {running.ChainPriority} until vrrpd restarts");
            }

            return;
        }

        if (!needed && !AcceptModeFirewall.IsInstalled)
        {
            return; // nothing to enforce, and no nft to have left a table with
        }

        // A crashed run's tables go first, whether or not a router needs them now: they would drop traffic to
        // addresses no router here holds.
        var firewall = new AcceptModeFirewall(table, plan.AcceptModeFirewallPriority) { Counters = plan.FirewallCounters };
        try
        {
            firewall.RemoveLeftovers();
        }
        catch (InvalidOperationException e)
        {
            _log($"warning: could not remove nftables tables '{table}' a previous run may have left: {e.Message}");
        }

        addresses.AcceptModeFirewall = firewall;
        if (needed)
        {
            _log($"accept mode off (no_accept or vrrp_strict): a master that is not the owner drops packets to its addresses (nftables table ip/ip6 {table})");
        }
    }

    // keepalived's vrrp_priority, vrrp_rlimit_rttime and vrrp_cpu_affinity: applied at start and when a reload changes them,
    // after vrrp_rt_priority (the limit counts only at real-time priority, and is refused there if at all), each on its
    // own: one refused leaves the others applied, and is logged as keepalived logs it.
    private void ApplyProcessSettings(KeepalivedPlan plan)
    {
        Apply(plan.RealTimeLimit != ProtocolThreadScheduling.RealTimeLimit, () =>
        {
            ProtocolThreadScheduling.SetRealTimeLimit(plan.RealTimeLimit);
            _log(plan.RealTimeLimit is { } limit ? $"vrrp_rlimit_rttime: protocol threads at real-time priority may run {limit.TotalMicroseconds} µs without a blocking call (SIGXCPU at half)" : "vrrp_rlimit_rttime dropped: the process's own limit is back");
        });
        Apply(plan.ProcessPriority != ProtocolThreadScheduling.Nice, () =>
        {
            ProtocolThreadScheduling.SetNice(plan.ProcessPriority);
            _log(plan.ProcessPriority is { } nice ? $"vrrp_priority: protocol threads at nice {nice}" : "vrrp_priority dropped: protocol threads at the process's nice value");
        });
        Apply(!plan.CpuAffinity.Order().SequenceEqual(ProcessCpuAffinity.Cpus), () =>
        {
            ProcessCpuAffinity.Set(plan.CpuAffinity);
            _log(plan.CpuAffinity.Count > 0 ? $"vrrp_cpu_affinity: pinned to CPU {string.Join(' ', plan.CpuAffinity)}" : "vrrp_cpu_affinity dropped: the process's CPUs are back");
        });

        void Apply(bool changed, Action apply)
        {
            if (!changed)
            {
                return;
            }

            try
            {
                apply();
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException or ArgumentOutOfRangeException)
            {
                _log($"warning: {e.Message}"); // keepalived logs and carries on
            }
        }
    }

    // keepalived's disable_local_igmp: set once at start, as keepalived, which cannot change it at a reload either; a run
    // without it puts back what a crashed run with it left.
    private void ApplyLocalIgmp(KeepalivedPlan plan)
    {
        if (_started)
        {
            if (plan.DisableLocalIgmp != (_localIgmp?.IsDisabled ?? false))
            {
                _log("warning: Cannot change disable_local_igmp at a reload - please restart vrrpd (keepalived's words)");
            }

            return;
        }

        try
        {
            if (plan.DisableLocalIgmp)
            {
                _localIgmp = new LinkLocalIgmpReports();
                if (_localIgmp.Disable())
                {
                    _log("disable_local_igmp: net.ipv4.igmp_link_local_mcast_reports=0 while vrrpd runs");
                }
            }
            else if (LinkLocalIgmpReports.RestoreLeftBehind())
            {
                _log("net.ipv4.igmp_link_local_mcast_reports put back to its value before a crashed run's disable_local_igmp");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log($"warning: disable_local_igmp: {e.Message}"); // keepalived logs and carries on
        }
    }

    // keepalived's vmac_map, in the table next to the accept-mode one (nftables NAME gives NAME_vmac), chosen at the first
    // plan whether or not a router uses a virtual MAC yet (the filter makes nothing until a macvlan is listed); a reload
    // asking for another keeps it, with a word, as the accept-mode firewall does.
    private void ApplyVirtualMacReportFilter(KeepalivedPlan plan)
    {
        MacvlanManager macvlans = _services.GetRequiredService<MacvlanManager>();
        bool vmac = plan.Routers.Any(static r => r.Options.UseVirtualMac);
        if (!VirtualMacReportFilter.IsInstalled)
        {
            if (vmac && !_warnedNoNft)
            {
                _warnedNoNft = true;
                _log("warning: use_vmac: nftables' nft is not installed, so a backup's macvlan sends its IGMP/MLD reports from the virtual MAC (keepalived's vmac_map needs nftables too)");
            }

            return;
        }

        string table = plan.AcceptModeFirewallTable is { } named && named != AcceptModeFirewall.DefaultTable
            ? $"{(named.Length > 59 ? named[..59] : named)}_vmac"
            : VirtualMacReportFilter.DefaultTable;
        if (macvlans.ReportFilter is { } current && current.Table == table && current.ChainPriority == plan.AcceptModeFirewallPriority
            && current.ListsIPv4 == !plan.DisableLocalIgmp && current.Counters == plan.FirewallCounters)
        {
            return;
        }

        if (_started)
        {
            if (vmac && macvlans.ReportFilter is { } running)
            {
                _log($"warning: nftables, nftables_priority or nftables_counters changed: the virtual MAC rules keep table {running.Table}, priority {running.ChainPriority} until vrrpd restarts");
            }

            return;
        }

        macvlans.ReportFilter?.Dispose(); // has made nothing yet: no macvlan before the first start
        macvlans.ReportFilter = new VirtualMacReportFilter(table, plan.AcceptModeFirewallPriority) { ListsIPv4 = !plan.DisableLocalIgmp, Counters = plan.FirewallCounters };
    }

    private static void Validate(KeepalivedPlan plan)
    {
        var errors = new List<string>();
        foreach (KeepalivedCheckPlan check in plan.Checks.Values)
        {
            errors.AddRange(check.Options.Validate());
        }

        foreach (KeepalivedRouterPlan router in plan.Routers)
        {
            if (router.Notify is not null)
            {
                errors.AddRange(router.Notify.Validate(router.Name));
            }
        }

        foreach (KeepalivedSyncGroupPlan group in plan.SyncGroups)
        {
            if (group.Notify is not null)
            {
                errors.AddRange(group.Notify.Validate(group.Name));
            }
        }

        foreach (string entry in plan.StaticAddresses)
        {
            if (!Vrrp.Addressing.AddressPlacement.TryParse(entry, out _, out Vrrp.Addressing.AddressPlacement placement, out string? error) || placement.Device is null)
            {
                errors.Add($"static_ipaddress {entry}: {error ?? "needs dev"}");
            }
        }

        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Graceful: a master sends priority 0 and removes its addresses; macvlans go with their routers.
        await _service.StopAsync(CancellationToken.None);
        _static.Clear();
        _services.GetRequiredService<NetlinkAddressManager>().AcceptModeFirewall?.Dispose(); // its tables go too
        _localIgmp?.Dispose();
        foreach (VrrpSyncGroup group in _groups)
        {
            group.Dispose();
        }

        if (_notify is not null)
        {
            using var flush = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _notify.Dispatcher.FlushAsync(flush.Token); // lets notify_stop run
            }
            catch (OperationCanceledException)
            {
                _log("notify scripts still running after 10 s: not waiting for them");
            }

            await _notify.DisposeAsync();
        }

        foreach (RunningCheck check in _checks.Values)
        {
            await check.StopAsync();
        }

        _processes?.Dispose();
        await _services.DisposeAsync(); // the routers, their macvlans, sockets, the timer and the meter
    }

    // What the notifications are made from: a change of it makes them again. One string per daemon.
    private static string NotifyFingerprint(KeepalivedPlan plan)
    {
        var text = new System.Text.StringBuilder($"fifo {plan.NotifyFifo}|{plan.NotifyFifoScript}|{plan.NotifyFifoScriptUser}|state {plan.StateFile}");
        foreach (KeepalivedRouterPlan router in plan.Routers)
        {
            text.Append($"|{router.Name}:{Describe(router.Notify)}");
        }

        foreach (KeepalivedSyncGroupPlan group in plan.SyncGroups)
        {
            text.Append($"|group {group.Name}({string.Join(',', group.Members)}):{Describe(group.Notify)}");
        }

        return text.ToString();

        static string Describe(NotifyScripts? n) => n is null ? "-" : $"{n.Notify}/{n.NotifyMaster}/{n.NotifyBackup}/{n.NotifyFault}/{n.NotifyStop}/{n.Timeout}/{n.User}";
    }

    // Routers reach the dispatcher through the host's one notifier, which turns to a new dispatcher before the old one
    // is let go, so no change falls between the two; routers kept running get their current state in the new one's
    // state file. Sync groups are made again over the routers running now.
    private async Task RewireNotificationsAsync(KeepalivedPlan plan, DaemonNotifications? replacement, string fingerprint)
    {
        VrrpNotificationDispatcher notify = (replacement ?? _notify!).Dispatcher;
        List<IDisposable> oldAttachments = _attachments;
        foreach (VrrpSyncGroup group in _groups)
        {
            group.Dispose();
        }

        _groups.Clear();
        var attachments = new List<IDisposable>();
        if (replacement is not null)
        {
            _notifier.Dispatcher = replacement.Dispatcher;
            foreach (VirtualRouter router in _known)
            {
                replacement.Dispatcher.RecordState(router);
            }
        }

        foreach (KeepalivedSyncGroupPlan wanted in plan.SyncGroups)
        {
            var group = new VrrpSyncGroup(wanted.Name, wanted.Members.Select(_service.GetRouter), _time);
            _groups.Add(group);
            attachments.Add(notify.Attach(group));
        }

        foreach (IDisposable attachment in oldAttachments)
        {
            attachment.Dispose();
        }

        _attachments = attachments;
        if (replacement is not null)
        {
            DaemonNotifications? old = _notify;
            (_notify, _notifyFingerprint) = (replacement, fingerprint);
            if (old is not null)
            {
                using var flush = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await old.Dispatcher.FlushAsync(flush.Token);
                }
                catch (OperationCanceledException)
                {
                    _log("notify scripts of the previous configuration still running after 10 s: not waiting for them");
                }

                await old.DisposeAsync();
            }
        }
    }

    // A check the plan runs, and the tracked views routers hold of it: one per weight, kept across reloads, so that an
    // unchanged router's tracked checks are the same objects and the reload keeps it running.
    private sealed class RunningCheck(KeepalivedCheckPlan plan, ScheduledHealthCheck check, IVrrpHealthCheck inner)
    {
        private readonly Dictionary<(int Weight, bool Reverse), TrackedCheck> _tracked = [];

        public KeepalivedCheckPlan Plan { get; } = plan;

        public ScheduledHealthCheck Check { get; } = check;

        public TrackedCheck TrackedWith(int weight, bool reverse)
        {
            if (!_tracked.TryGetValue((weight, reverse), out TrackedCheck? tracked))
            {
                _tracked[(weight, reverse)] = tracked = Check.CreateTracked(weight, reverse);
            }

            return tracked;
        }

        // The check made for the schedule is ours to close.
        public async Task StopAsync()
        {
            await Check.DisposeAsync();
            (inner as IDisposable)?.Dispose();
        }
    }

    // The one notifier of every router: the daemon's log line, the router logger (rate-limited discards and send
    // failures) and the current dispatcher. Subscriptions per router would cost each router a few hundred bytes.
    private sealed class HostNotifier(Action<string> log, VirtualRouterLogger routerLog) : IVrrpNotifier
    {
        private VrrpNotificationDispatcher? _dispatcher;

        public VrrpNotificationDispatcher? Dispatcher
        {
            get => Volatile.Read(ref _dispatcher);
            set => Volatile.Write(ref _dispatcher, value);
        }

        public void OnStateChanged(VirtualRouter router, in StateChange change)
        {
            log($"{router.Name}: {change.From} -> {change.To} ({change.Reason}, priority {change.Priority})");
            routerLog.OnStateChanged(router, change);
            Dispatcher?.OnStateChanged(router, change);
        }

        public void OnLowerPriorityHeard(VirtualRouter router, in LowerPriorityAdvert advert)
        {
            log($"{router.Name}: master heard {advert.Source} at lower priority {advert.Priority} and answered");
            Dispatcher?.OnLowerPriorityHeard(router, advert);
        }

        public void OnPacketDiscarded(VirtualRouter router, Vrrp.Packets.VrrpPacketStatus reason) => routerLog.OnPacketDiscarded(router, reason);

        public void OnSendFailed(VirtualRouter router) => routerLog.OnSendFailed(router);
    }
}
