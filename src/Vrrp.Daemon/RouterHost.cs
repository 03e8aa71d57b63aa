using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Vrrp;
using Vrrp.Addressing;
using Vrrp.Diagnostics;
using Vrrp.Health;
using Vrrp.Keepalived.Notify;
using Vrrp.Linux.Announcements;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Sockets;
using Vrrp.Linux.Timing;
using Vrrp.Notifications;
using Vrrp.Transport;

namespace VrrpDaemon;

/// <summary>
/// Runs a plan on this host's interfaces: transports shared per interface and family, routers, their health checks,
/// sync groups and notifications. <see cref="Apply"/> again on reload: what did not change keeps running untouched.
/// </summary>
internal sealed class RouterHost : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly Action<string> _log;
    private readonly NetlinkAddressManager _addresses = new();
    private readonly MacvlanManager _macvlans = new();
    private readonly Dictionary<string, (string Link, IVrrpTransport Transport)> _virtualMacs = new(StringComparer.Ordinal);
    private readonly LinkMonitor _links = new();
    private readonly AnnouncementListener _arp = new(); // masters answer another MAC's ARP for their addresses
    private readonly PreciseTimeProvider _time = new(); // timers within ~0.2 ms of due, not the system's 2–7 ms
    private readonly ConcurrentDictionary<string, LinuxInterface> _interfaces = new();
    private readonly Dictionary<(string Interface, AddressFamily Family), IVrrpTransport> _transports = [];
    private readonly PacketSocketAnnouncer _announcer;
    private readonly VrrpMetrics _metrics = new();
    private readonly HostNotifier _notifier;
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (CheckPlan Plan, ScheduledHealthCheck Check, IVrrpHealthCheck Inner)> _checks = new(StringComparer.Ordinal);
    private readonly List<VrrpSyncGroup> _groups = [];
    private DaemonNotifications? _notify;
    private UInt128? _notifyFingerprint;
    private List<IDisposable> _attachments = [];

    public RouterHost(ILoggerFactory loggers, Action<string> log)
    {
        _loggers = loggers;
        _log = log;
        _notifier = new HostNotifier(log, new VirtualRouterLogger(loggers.CreateLogger("Vrrp.Router"), _time));
        _announcer = new PacketSocketAnnouncer(name => _interfaces.TryGetValue(name, out LinuxInterface? i) ? (i.Index, i.IPv6LinkLocal) : (0, default));
        _addresses.AddressRestored += (_, address) => _log($"{address} was removed from outside while master: put back");
        _addresses.AddressNotOwned += (_, report) => _log($"warning: {report}");
    }

    /// <summary>Gets the routers running now.</summary>
    public IReadOnlyCollection<VirtualRouter> Routers
    {
        get
        {
            lock (_running)
            {
                return [.. _running.Values.Select(r => r.Router)];
            }
        }
    }

    public async Task ApplyAsync(DaemonPlan plan)
    {
        // Everything that can refuse the plan is asked before anything running is touched: a bad reload changes nothing.
        Validate(plan);
        UInt128 notifyFingerprint = NotifyFingerprint(plan);
        DaemonNotifications? notify = notifyFingerprint == _notifyFingerprint ? null : DaemonNotifications.Create(plan, _loggers, _metrics);

        // Checks first: a router restarts when a check it tracks changed, as its fingerprint says so.
        foreach ((string key, (CheckPlan old, ScheduledHealthCheck check, IVrrpHealthCheck inner)) in _checks.ToList())
        {
            if (!plan.Checks.TryGetValue(key, out CheckPlan? wanted) || wanted.Fingerprint != old.Fingerprint)
            {
                await StopCheckAsync(check, inner);
                _checks.Remove(key);
            }
        }

        foreach ((string key, CheckPlan wanted) in plan.Checks)
        {
            if (!_checks.ContainsKey(key))
            {
                // Checks run on the system clock's pool, never on the precise timer thread that paces the adverts.
                IVrrpHealthCheck inner = wanted.Create(_links);
                _checks[key] = (wanted, new ScheduledHealthCheck(wanted.Options, inner, TimeProvider.System, _loggers.CreateLogger("Vrrp.Health")), inner);
            }
        }

        bool restarted = false;
        foreach (string name in _running.Keys.ToList())
        {
            if (plan.Routers.FirstOrDefault(r => r.Name == name) is not { } wanted || wanted.Fingerprint != _running[name].Fingerprint)
            {
                _log($"{name}: configuration changed or removed, stopping it");
                StopRouter(name);
                restarted = true;
            }
        }

        var started = new List<(string Name, VirtualRouter Router)>();
        try
        {
            foreach (RouterPlan wanted in plan.Routers)
            {
                if (!_running.ContainsKey(wanted.Name))
                {
                    started.Add((wanted.Name, CreateRouter(wanted, plan)));
                    restarted = true;
                }
            }
        }
        catch
        {
            // Routers made but never started must not look unchanged to the next reload: drop them.
            foreach ((string name, _) in started)
            {
                StopRouter(name);
            }

            if (notify is not null)
            {
                await notify.DisposeAsync();
            }

            throw;
        }

        if (notify is not null || restarted)
        {
            await RewireNotificationsAsync(plan, notify, notifyFingerprint);
        }

        foreach ((CheckPlan _, ScheduledHealthCheck check, IVrrpHealthCheck _) in _checks.Values)
        {
            check.Start(); // new checks start; running ones ignore it
        }

        foreach ((_, VirtualRouter router) in started)
        {
            router.Start();
        }
    }

    private static void Validate(DaemonPlan plan)
    {
        var errors = new List<string>();
        foreach (CheckPlan check in plan.Checks.Values)
        {
            errors.AddRange(check.Options.Validate());
        }

        foreach (RouterPlan router in plan.Routers)
        {
            errors.AddRange(router.Options.Validate());
            if (router.Notify is not null)
            {
                errors.AddRange(router.Notify.Validate(router.Name));
            }
        }

        foreach (SyncGroupPlan group in plan.SyncGroups)
        {
            if (group.Notify is not null)
            {
                errors.AddRange(group.Notify.Validate(group.Name));
            }
        }

        // Two routers on one macvlan name would delete each other's (vrrp.{VRID} is the default on every parent).
        foreach (var clash in plan.Routers.Where(r => r.Options.UseVirtualMac).GroupBy(MacvlanName).Where(g => g.Count() > 1))
        {
            errors.Add($"{string.Join(", ", clash.Select(r => r.Name))}: virtual MAC interface '{clash.Key}' is used more than once; give each router its own name (use_vmac NAME).");
        }

        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }
    }

    private static string MacvlanName(RouterPlan router) =>
        router.VirtualMacInterface ?? MacvlanManager.DefaultName(FamilyOf(router.Options), (byte)router.Options.VirtualRouterId);

    // A VRRPv3 router may carry no virtual address (leader election): its family then comes from its unicast peers.
    private static AddressFamily FamilyOf(VirtualRouterOptions options) =>
        options.VirtualAddresses.Count > 0 ? VirtualAddress.Parse(options.VirtualAddresses[0]).Address.Family
        : options.UnicastPeers.Count > 0 ? System.Net.IPAddress.Parse(options.UnicastPeers[0]).AddressFamily
        : AddressFamily.InterNetwork;

    private VirtualRouter CreateRouter(RouterPlan wanted, DaemonPlan plan)
    {
        VirtualRouterOptions options = wanted.Options;
        options.TrackedChecks.Clear();
        foreach (TrackPlan track in wanted.Tracks)
        {
            options.TrackedChecks.Add(_checks[track.CheckKey].Check.CreateTracked(track.Weight));
        }

        string parent = options.Interface;
        IVrrpTransport transport = options.UseVirtualMac ? VirtualMacTransportFor(wanted, plan) : TransportFor(options, plan);
        VirtualRouter router;
        try
        {
            router = new VirtualRouter(options, transport, _addresses, _announcer, _time, _notifier);
        }
        catch
        {
            RemoveVirtualMac(wanted.Name); // a router that cannot be made must not leave its macvlan behind
            throw;
        }

        // Addresses a crashed run left behind: a router that starts is not master, so it must not hold them.
        foreach (VirtualAddress address in router.VirtualAddresses)
        {
            _addresses.Remove(parent, address);
            if (options.UseVirtualMac)
            {
                _addresses.Remove(options.Interface, address);
            }
        }

        _metrics.Track(router);
        lock (_running)
        {
            _running[wanted.Name] = new Running(wanted.Fingerprint, router);
        }

        _links.Track(_interfaces[parent].Index, router); // a macvlan goes down with its parent: track the parent
        _arp.Watch(_interfaces[parent].Index, router);
        return router;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (string name in _running.Keys.ToList())
        {
            StopRouter(name); // graceful: a master sends priority 0 and removes its addresses
        }

        foreach (string name in _virtualMacs.Keys.ToList())
        {
            RemoveVirtualMac(name); // a router that failed to start after its macvlan was made
        }

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

        foreach ((CheckPlan _, ScheduledHealthCheck check, IVrrpHealthCheck inner) in _checks.Values)
        {
            await StopCheckAsync(check, inner);
        }

        foreach (IVrrpTransport transport in _transports.Values)
        {
            (transport as IDisposable)?.Dispose();
        }

        _metrics.Dispose();
        _announcer.Dispose();
        _arp.Dispose();
        _links.Dispose();
        _macvlans.Dispose();
        _addresses.Dispose();
        _time.Dispose();
    }

    // The check made for the schedule is ours to close (the interface check keeps its sysfs files open).
    private static async Task StopCheckAsync(ScheduledHealthCheck check, IVrrpHealthCheck inner)
    {
        await check.DisposeAsync();
        (inner as IDisposable)?.Dispose();
    }

    private static UInt128 NotifyFingerprint(DaemonPlan plan)
    {
        var text = new System.Text.StringBuilder($"fifo {plan.NotifyFifo}|state {plan.StateFile}");
        foreach (RouterPlan router in plan.Routers)
        {
            text.Append($"|{router.Name}:{Describe(router.Notify)}");
        }

        foreach (SyncGroupPlan group in plan.SyncGroups)
        {
            text.Append($"|group {group.Name}({string.Join(',', group.Members)}):{Describe(group.Notify)}");
        }

        return Fingerprint.Of(text.ToString());

        static string Describe(NotifyScripts? n) => n is null ? "-" : $"{n.Notify}/{n.NotifyMaster}/{n.NotifyBackup}/{n.NotifyFault}/{n.NotifyStop}/{n.Timeout}/{n.User}";
    }

    // Routers reach the dispatcher through the host's one notifier, which turns to a new dispatcher before the old one
    // is let go, so no change falls between the two; routers kept running get their current state in the new one's
    // state file. Sync groups are made again over the routers running now.
    private async Task RewireNotificationsAsync(DaemonPlan plan, DaemonNotifications? replacement, UInt128 fingerprint)
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
            foreach (Running running in _running.Values)
            {
                replacement.Dispatcher.RecordState(running.Router);
            }
        }

        foreach (SyncGroupPlan wanted in plan.SyncGroups)
        {
            var group = new VrrpSyncGroup(wanted.Name, wanted.Members.Select(m => _running[m].Router), _time);
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

    private void StopRouter(string name)
    {
        Running running = _running[name];
        _links.Untrack(running.Router);
        _arp.Unwatch(running.Router);
        running.Router.Dispose();
        RemoveVirtualMac(name);
        _notify?.Dispatcher.Forget(running.Router);
        _metrics.Untrack(running.Router);
        lock (_running)
        {
            _running.Remove(name);
        }
    }

    private IVrrpTransport TransportFor(VirtualRouterOptions options, DaemonPlan plan)
    {
        AddressFamily family = FamilyOf(options);
        if (!_transports.TryGetValue((options.Interface, family), out IVrrpTransport? transport))
        {
            transport = Open(InterfaceFor(options.Interface, plan), family);
            _transports[(options.Interface, family)] = transport;
        }

        return transport;
    }

    // Virtual MAC mode (keepalived's use_vmac): the router gets a macvlan of its own with the virtual router MAC. Its
    // addresses live there and its adverts and announcements leave from there, so their source MAC is the virtual MAC;
    // it also receives there, because a private macvlan takes the frames whose source MAC is its own (a peer's adverts
    // in virtual MAC mode) away from the parent. The adverts keep the parent's primary IPv4 as source address.
    private IVrrpTransport VirtualMacTransportFor(RouterPlan wanted, DaemonPlan plan)
    {
        VirtualRouterOptions options = wanted.Options;
        AddressFamily family = FamilyOf(options);
        LinuxInterface parent = InterfaceFor(options.Interface, plan);
        string link = MacvlanName(wanted);
        LinuxInterface macvlan = _macvlans.Create(link, parent, family, (byte)options.VirtualRouterId);
        _log($"{wanted.Name}: virtual MAC {macvlan.Mac} on {link} (macvlan on {parent.Name})");
        _interfaces[link] = macvlan;
        IVrrpTransport transport;
        try
        {
            transport = Open(macvlan, family);
        }
        catch
        {
            _macvlans.Remove(link);
            throw;
        }

        _virtualMacs[wanted.Name] = (link, transport);
        options.Interface = link; // the router's addresses and announcements go on the macvlan
        return transport;
    }

    private void RemoveVirtualMac(string name)
    {
        if (_virtualMacs.Remove(name, out var virtualMac))
        {
            (virtualMac.Transport as IDisposable)?.Dispose();
            _interfaces.TryRemove(virtualMac.Link, out _);
            _macvlans.Remove(virtualMac.Link);
        }
    }

    private LinuxInterface InterfaceFor(string name, DaemonPlan plan)
    {
        if (!_interfaces.TryGetValue(name, out LinuxInterface? found))
        {
            // The configured virtual addresses may be on the interface already (a crashed run): never take one as primary.
            var excluded = plan.Routers.SelectMany(r => r.Options.VirtualAddresses).Select(a => VirtualAddress.Parse(a).Address).ToList();
            _interfaces[name] = found = LinuxInterface.Find(name, excluded);
        }

        return found;
    }

    private static IVrrpTransport Open(LinuxInterface networkInterface, AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? RawIPv6Transport.Open(networkInterface) : RawIPv4Transport.Open(networkInterface);

    // What a reload compares, and the router: the plan and its options are not kept.
    private readonly record struct Running(UInt128 Fingerprint, VirtualRouter Router);

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

        public void OnPacketDiscarded(VirtualRouter router, Vrrp.Packets.VrrpPacketStatus reason) => routerLog.OnPacketDiscarded(router, reason);

        public void OnSendFailed(VirtualRouter router) => routerLog.OnSendFailed(router);
    }
}
