using System.Runtime.Versioning;
using Vrrp.Health;
using Vrrp.Keepalived.Checks;
using Vrrp.Keepalived.Notify;

namespace Vrrp.Keepalived.Plan;

/// <summary>
/// What a keepalived.conf runs, ready for a host: its instances as routers, the checks they track (each run once,
/// however many routers track it), its sync groups and its notifications. vrrpd runs it; an embedder can too.
/// </summary>
/// <param name="Routers">The routers, in the file's order.</param>
/// <param name="Checks">The checks by key.</param>
/// <param name="SyncGroups">The sync groups.</param>
/// <param name="NotifyFifo">The notify FIFO (<c>vrrp_notify_fifo</c>, else <c>notify_fifo</c>), or null.</param>
[SupportedOSPlatform("linux")]
public sealed record KeepalivedPlan(
    IReadOnlyList<KeepalivedRouterPlan> Routers,
    IReadOnlyDictionary<string, KeepalivedCheckPlan> Checks,
    IReadOnlyList<KeepalivedSyncGroupPlan> SyncGroups,
    string? NotifyFifo)
{
    /// <summary>Gets the file keepalived-style state lines are kept in (<c>INSTANCE "VI_1" MASTER 100</c>), or null; keepalived has no keyword for it.</summary>
    public string? StateFile { get; init; }

    /// <summary>Gets the script that reads <see cref="NotifyFifo"/> (<c>vrrp_notify_fifo_script</c>, else <c>notify_fifo_script</c>), or null.</summary>
    public string? NotifyFifoScript { get; init; }

    /// <summary>Gets the user (and group) <see cref="NotifyFifoScript"/> runs as (<c>script_user</c>), or null for vrrpd's own.</summary>
    public string? NotifyFifoScriptUser { get; init; }

    /// <summary>Gets the pause between two gratuitous ARPs (<c>vrrp_garp_interval</c>); zero for none.</summary>
    public TimeSpan GarpInterval { get; init; }

    /// <summary>Gets the pause between two unsolicited neighbour advertisements (<c>vrrp_gna_interval</c>); zero for none.</summary>
    public TimeSpan GnaInterval { get; init; }

    /// <summary>Gets the real-time priority of the protocol threads (<c>vrrp_rt_priority</c>), 0 for normal scheduling.</summary>
    public int RealTimePriority { get; init; }

    /// <summary>Gets the nice value of the protocol threads at normal scheduling (<c>vrrp_priority</c>), or <see langword="null"/> for the process's own.</summary>
    public int? ProcessPriority { get; init; }

    /// <summary>Gets the CPUs the process is pinned to (<c>vrrp_cpu_affinity</c>); empty for no pinning.</summary>
    public IReadOnlyList<int> CpuAffinity { get; init; } = [];

    /// <summary>Gets the real-time CPU limit of the protocol threads (<c>vrrp_rlimit_rttime</c>), or <see langword="null"/> for none.</summary>
    public TimeSpan? RealTimeLimit { get; init; }

    /// <summary>Gets how high a late timer may raise that priority (<c>max_auto_priority</c>), 0 for never.</summary>
    public int MaxAutoPriority { get; init; }

    /// <summary>Gets a value indicating whether IGMP reports for 224.0.0.0/24 are off while vrrpd runs (<c>disable_local_igmp</c>).</summary>
    public bool DisableLocalIgmp { get; init; }

    /// <summary>Gets a value indicating whether the host keeps its memory out of swap (<c>vrrp_no_swap</c>).</summary>
    public bool NoSwap { get; init; }

    /// <summary>Gets how late a timer must be before the priority is raised (<c>min_auto_priority_delay</c>).</summary>
    public TimeSpan MinAutoPriorityDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets the nftables table that enforces accept mode off (<c>no_accept</c>, and <c>vrrp_strict</c>'s default), as
    /// keepalived does, or null to leave it unenforced (a plan that is not from a keepalived.conf).
    /// </summary>
    public string? AcceptModeFirewallTable { get; init; }

    /// <summary>Gets a value indicating whether the firewall's rules count what they match (<c>nftables_counters</c>).</summary>
    public bool FirewallCounters { get; init; }

    /// <summary>Gets the priority of that firewall's chains (<c>nftables_priority</c>), -1 by default.</summary>
    public int AcceptModeFirewallPriority { get; init; } = -1;

    /// <summary>
    /// Gets <c>static_ipaddress</c>: addresses held for as long as the host runs the plan, in the form
    /// <see cref="Vrrp.Addressing.AddressPlacement.Parse"/> reads (<c>198.51.100.5/24 dev lab0 label lab0:1</c>).
    /// </summary>
    public IReadOnlyList<string> StaticAddresses { get; init; } = [];

    /// <summary>Gets <c>static_routes</c>, as <see cref="Vrrp.Routing.VirtualRoute.Parse"/> reads them.</summary>
    public IReadOnlyList<string> StaticRoutes { get; init; } = [];

    /// <summary>Gets <c>static_rules</c>, as <see cref="Vrrp.Routing.VirtualRule.Parse"/> reads them.</summary>
    public IReadOnlyList<string> StaticRules { get; init; } = [];

    /// <summary>Makes the plan; with <c>enable_script_security</c>, scripts unsafe to run are left out, each with a warning.</summary>
    /// <param name="configuration">The configuration read.</param>
    /// <param name="warnings">Receives a <c>file:line: message</c> for each script left out.</param>
    /// <returns>The plan.</returns>
    public static KeepalivedPlan Create(KeepalivedConfiguration configuration, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var checks = new Dictionary<string, KeepalivedCheckPlan>(StringComparer.Ordinal);
        var routers = new List<KeepalivedRouterPlan>();
        var security = new Security(configuration.GlobalDefinitions.EnableScriptSecurity, warnings);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeepalivedScript script in configuration.Scripts)
        {
            if (!security.Allows(script.Command, script.User ?? configuration.GlobalDefinitions.ScriptUser, script.Source, $"vrrp_script {script.Name}", "not tracked"))
            {
                refused.Add(script.Name);
            }
        }

        var vmacNames = new HashSet<string>(configuration.Instances.Where(static i => i.UseVirtualMac && i.VirtualMacInterface is not null).Select(static i => i.VirtualMacInterface!), StringComparer.Ordinal);
        foreach (KeepalivedInstance instance in configuration.Instances)
        {
            VirtualRouterOptions options = instance.CreateOptions();
            options.Name = instance.Name;
            if (options.UseVirtualMac && options.VirtualMacInterface is null)
            {
                options.VirtualMacInterface = VirtualMacName(options.GetAddressFamily(), (byte)options.VirtualRouterId, vmacNames);
            }

            // global_defs' vrrp_mcast_group4/6: the group of the router's family.
            options.MulticastGroup = options.GetAddressFamily() == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? configuration.GlobalDefinitions.MulticastGroup6
                : configuration.GlobalDefinitions.MulticastGroup4;
            var tracks = new List<KeepalivedTrackPlan>();
            foreach (KeepalivedTrack track in instance.TrackScripts.Where(t => !refused.Contains(t.Name)))
            {
                KeepalivedScript script = configuration.Scripts.Single(s => s.Name == track.Name);
                KeepalivedCheckPlan plan = ScriptCheck(script, configuration.GlobalDefinitions.ScriptUser);
                checks[plan.Key] = plan;
                tracks.Add(new KeepalivedTrackPlan(plan.Key, track.Weight ?? script.Weight, track.Reverse ?? script.WeightReverse));
            }

            foreach (KeepalivedTrack track in instance.TrackInterfaces)
            {
                KeepalivedCheckPlan plan = InterfaceCheck(track.Name);
                checks[plan.Key] = plan;
                tracks.Add(new KeepalivedTrackPlan(plan.Key, track.Weight ?? 0, track.Reverse ?? false));
            }

            // keepalived tracks the interface of an address put on another interface than the instance's (dev), unless
            // the address says no_track: with that interface down, the instance is in Fault.
            // So do a route's dev and a rule's iif and oif.
            foreach (string device in instance.VirtualAddresses.Concat(instance.ExcludedVirtualAddresses)
                .Where(a => a.Device is not null && a.Device != instance.Interface && !a.NoTrack).Select(a => a.Device!)
                .Concat(RouteDevices(instance)).Distinct(StringComparer.Ordinal))
            {
                KeepalivedCheckPlan plan = InterfaceCheck(device);
                if (!tracks.Any(t => t.CheckKey == plan.Key))
                {
                    checks[plan.Key] = plan;
                    tracks.Add(new KeepalivedTrackPlan(plan.Key, 0, false));
                }
            }

            foreach (KeepalivedTrack track in instance.TrackFiles)
            {
                KeepalivedTrackFile file = configuration.TrackFiles.Single(f => f.Name == track.Name);
                KeepalivedCheckPlan plan = FileCheck(file);
                checks[plan.Key] = plan;
                tracks.Add(new KeepalivedTrackPlan(plan.Key, track.Weight ?? file.Weight, track.Reverse ?? file.WeightReverse));
            }

            foreach (KeepalivedTrack track in instance.TrackProcesses)
            {
                KeepalivedTrackProcess process = configuration.TrackProcesses.Single(p => p.Name == track.Name);
                KeepalivedCheckPlan plan = ProcessCheck(process);
                checks[plan.Key] = plan;
                tracks.Add(new KeepalivedTrackPlan(plan.Key, track.Weight ?? process.Weight, track.Reverse ?? process.WeightReverse));
            }

            // keepalived's configuration faults: unicast asked for with no peer to send to (unicast_fault_no_peer) keeps
            // the instance in Fault rather than falling back to multicast.
            if (instance.UnicastFaultNoPeer && instance.UnicastPeers.Count == 0)
            {
                KeepalivedCheckPlan plan = ConfigurationFaultCheck(instance.Name, "unicast_fault_no_peer: unicast without any peers");
                checks[plan.Key] = plan;
                tracks.Add(new KeepalivedTrackPlan(plan.Key, 0, false));
            }

            // keepalived's track_group: the instances of a static address's group track its interface, weight 0.
            foreach (string device in TrackGroupInterfaces(configuration, instance.Name))
            {
                KeepalivedCheckPlan plan = InterfaceCheck(device);
                if (!tracks.Any(t => t.CheckKey == plan.Key))
                {
                    checks[plan.Key] = plan;
                    tracks.Add(new KeepalivedTrackPlan(plan.Key, 0, false));
                }
            }

            // track_src_ip: Fault while the configured source address is missing from the interface.
            if (instance.TrackSourceAddress && instance.SourceAddress is { } source)
            {
                KeepalivedCheckPlan plan = SourceAddressCheck(instance.Interface, source);
                checks[plan.Key] = plan;
                tracks.Add(new KeepalivedTrackPlan(plan.Key, 0, false));
            }

            // keepalived copies a sync group's tracked scripts, interfaces and files into each of its members, with the
            // same weights (none: a failure is a Fault, which the group then spreads).
            foreach (KeepalivedSyncGroup group in configuration.SyncGroups.Where(g => g.Group.Contains(instance.Name)))
            {
                foreach (KeepalivedTrack track in group.TrackScripts.Where(t => !refused.Contains(t.Name)))
                {
                    KeepalivedScript script = configuration.Scripts.Single(s => s.Name == track.Name);
                    AddGroupTrack(ScriptCheck(script, configuration.GlobalDefinitions.ScriptUser), track.Weight ?? script.Weight, track.Reverse ?? script.WeightReverse);
                }

                foreach (KeepalivedTrack track in group.TrackInterfaces)
                {
                    AddGroupTrack(InterfaceCheck(track.Name), track.Weight ?? 0, track.Reverse ?? false);
                }

                foreach (KeepalivedTrack track in group.TrackFiles)
                {
                    KeepalivedTrackFile file = configuration.TrackFiles.Single(f => f.Name == track.Name);
                    AddGroupTrack(FileCheck(file), track.Weight ?? file.Weight, track.Reverse ?? file.WeightReverse);
                }

                foreach (KeepalivedTrack track in group.TrackProcesses)
                {
                    KeepalivedTrackProcess process = configuration.TrackProcesses.Single(p => p.Name == track.Name);
                    AddGroupTrack(ProcessCheck(process), track.Weight ?? process.Weight, track.Reverse ?? process.WeightReverse);
                }

                void AddGroupTrack(KeepalivedCheckPlan plan, int weight, bool reverse)
                {
                    if (tracks.Any(t => t.CheckKey == plan.Key))
                    {
                        warnings?.Add($"{group.Source}: vrrp_sync_group {group.Name}: {plan.Key} is tracked by vrrp_instance {instance.Name} too: tracked once, with the instance's weight (keepalived says to remove one)");
                        return;
                    }

                    checks[plan.Key] = plan;
                    tracks.Add(new KeepalivedTrackPlan(plan.Key, weight, reverse));
                }
            }

            string owner = $"vrrp_instance {instance.Name}";
            NotifyScripts? notify = Notify(
                configuration.GlobalDefinitions.ScriptUser,
                security.Safe(instance.Notify, instance.Source, owner, "notify"),
                security.Safe(instance.NotifyMaster, instance.Source, owner, "notify_master"),
                security.Safe(instance.NotifyBackup, instance.Source, owner, "notify_backup"),
                security.Safe(instance.NotifyFault, instance.Source, owner, "notify_fault"),
                security.Safe(instance.NotifyStop, instance.Source, owner, "notify_stop"),
                security.Safe(instance.NotifyMasterRxLowerPriority, instance.Source, owner, "notify_master_rx_lower_pri"));
            routers.Add(new KeepalivedRouterPlan(instance.Name, options, tracks, notify));
        }

        var groups = configuration.SyncGroups
            .Select(g => new KeepalivedSyncGroupPlan(g.Name, g.Group, Notify(
                configuration.GlobalDefinitions.ScriptUser,
                security.Safe(g.Notify, g.Source, $"vrrp_sync_group {g.Name}", "notify"),
                security.Safe(g.NotifyMaster, g.Source, $"vrrp_sync_group {g.Name}", "notify_master"),
                security.Safe(g.NotifyBackup, g.Source, $"vrrp_sync_group {g.Name}", "notify_backup"),
                security.Safe(g.NotifyFault, g.Source, $"vrrp_sync_group {g.Name}", "notify_fault"),
                security.Safe(g.NotifyStop, g.Source, $"vrrp_sync_group {g.Name}", "notify_stop"))))
            .ToList();
        string? fifo = configuration.GlobalDefinitions.VrrpNotifyFifo ?? configuration.GlobalDefinitions.NotifyFifo;
        KeepalivedGlobalDefinitions global = configuration.GlobalDefinitions;
        string? fifoScript = security.Safe(
            global.VrrpNotifyFifo is not null ? global.VrrpNotifyFifoScript : global.NotifyFifoScript, default, "global_defs", "notify_fifo_script");
        return new KeepalivedPlan(routers, checks, groups, fifo)
        {
            NotifyFifoScript = fifo is null ? null : fifoScript,
            NotifyFifoScriptUser = global.ScriptUser,
            GarpInterval = global.GarpInterval ?? TimeSpan.Zero,
            GnaInterval = global.GnaInterval ?? TimeSpan.Zero,
            RealTimePriority = global.RealTimePriority ?? 0,
            ProcessPriority = global.ProcessPriority,
            CpuAffinity = global.CpuAffinity ?? [],
            RealTimeLimit = global.RealTimeLimit,
            MaxAutoPriority = Math.Max(global.MaxAutoPriority ?? 0, 0), // -1 disables, as 0 does
            MinAutoPriorityDelay = global.MinAutoPriorityDelay ?? TimeSpan.FromSeconds(1),
            NoSwap = global.NoSwap,
            DisableLocalIgmp = global.DisableLocalIgmp,
            AcceptModeFirewallTable = global.Nftables is { Length: > 0 } table ? table : "vrrpd",
            AcceptModeFirewallPriority = global.NftablesPriority ?? -1,
            FirewallCounters = global.NftablesCounters,
            StaticAddresses = [.. configuration.StaticAddresses.Select(static a => a.ToOptionsEntry())],
            StaticRoutes = [.. configuration.StaticRoutes.Select(static r => StaticTrackGroup.Without(r, out _))],
            StaticRules = [.. configuration.StaticRules.Select(static r => StaticTrackGroup.Without(r, out _))],
        };
    }

    // The interfaces keepalived's static_track_group_init has an instance track, weight 0: a static address's, a static
    // route's dev and a static rule's iif, when the entry's track_group holds the instance and no_track is not set.
    private static IEnumerable<string> TrackGroupInterfaces(KeepalivedConfiguration configuration, string instance)
    {
        bool Holds(string? group) => group is not null && configuration.TrackGroups.Any(t => t.Name == group && t.Group.Contains(instance));

        foreach (KeepalivedVirtualAddress address in configuration.StaticAddresses)
        {
            if (Holds(address.TrackGroup) && !address.NoTrack && address.Device is { } device)
            {
                yield return device;
            }
        }

        foreach (string entry in configuration.StaticRoutes)
        {
            string text = StaticTrackGroup.Without(entry, out string? group);
            if (Holds(group) && Routing.VirtualRoute.TryParse(text, out Routing.VirtualRoute route, out _) && !route.NoTrack && route.Device is { } device)
            {
                yield return device;
            }
        }

        foreach (string entry in configuration.StaticRules)
        {
            string text = StaticTrackGroup.Without(entry, out string? group);
            if (Holds(group) && Routing.VirtualRule.TryParse(text, out Routing.VirtualRule rule, out _) && !rule.NoTrack && rule.InputInterface is { } device)
            {
                yield return device;
            }
        }
    }

    // keepalived's create_vmac_name: vrrp.VRID for the first instance in the file that wants it, whatever its family;
    // then vrrp6.VRID for IPv6 (the same VRID may serve both families on one interface), then vrrp1.VRID, vrrp2.VRID...
    private static string VirtualMacName(System.Net.Sockets.AddressFamily family, byte virtualRouterId, HashSet<string> taken)
    {
        bool v6 = family == System.Net.Sockets.AddressFamily.InterNetworkV6;
        string name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"vrrp.{virtualRouterId}");
        int number = 0;
        while (!taken.Add(name))
        {
            // IPv6: 6, then 1 to 5, then 7 on; IPv4: 1 on.
            number = !v6 ? number + 1 : number == 0 ? 6 : number == 6 ? 1 : number == 5 ? 7 : number + 1;
            name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"vrrp{number}.{virtualRouterId}");
        }

        return name;
    }

    // keepalived disables a script that is unsafe under enable_script_security; without it, every script runs as before.
    // Notify scripts run as vrrpd itself.
    private sealed class Security(bool enabled, ICollection<string>? warnings)
    {
        public bool Allows(string command, string? user, KeepalivedSourceLocation source, string owner, string consequence)
        {
            if (!enabled || ScriptSecurity.FindUnsafe(command, user) is not { } reason)
            {
                return true;
            }

            warnings?.Add($"{source}: {owner}: script '{command}' is unsafe to run ({reason}): disabled by enable_script_security, {consequence}");
            return false;
        }

        public string? Safe(string? command, KeepalivedSourceLocation source, string owner, string keyword) =>
            command is null || Allows(command, null, source, owner, $"{keyword} not run") ? command : null;
    }

    // keepalived runs notify scripts as global_defs' script_user, as it runs vrrp_script.
    private static NotifyScripts? Notify(string? user, string? notify, string? master, string? backup, string? fault, string? stop, string? masterRxLowerPriority = null) =>
        (notify ?? master ?? backup ?? fault ?? stop ?? masterRxLowerPriority) is null
            ? null
            : new NotifyScripts { Notify = notify, NotifyMaster = master, NotifyBackup = backup, NotifyFault = fault, NotifyStop = stop, NotifyMasterRxLowerPriority = masterRxLowerPriority, User = user };

    // keepalived's 'user USER [GROUP]' (or global_defs' script_user as the default) runs the script as that user.
    private static KeepalivedCheckPlan ScriptCheck(KeepalivedScript script, string? scriptUser)
    {
        string[] user = (script.User ?? scriptUser)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var options = new ScheduledCheckOptions
        {
            Name = script.Name,
            Interval = script.Interval,
            Timeout = script.Timeout,
            Rise = script.Rise,
            Fall = script.Fall,
            Weight = script.Weight,
            InitFail = script.InitFail,
        };
        string fingerprint = $"script {script.Name} '{script.Command}' {script.Interval} {script.Timeout} {script.Rise} {script.Fall} {script.Weight} {script.InitFail} {string.Join(':', user)}";
        return new KeepalivedCheckPlan($"script:{script.Name}", Fingerprint.Of(fingerprint), options, _ => new CommandHealthCheck(ScriptCommandLine.Split(script.Command))
        {
            User = user.Length > 0 ? user[0] : null,
            Group = user.Length > 1 ? user[1] : null,
        });
    }

    // The link monitor hears link changes from netlink at once; the schedule only reads the state it keeps.
    private static IEnumerable<string> RouteDevices(KeepalivedInstance instance)
    {
        foreach (string text in instance.VirtualRoutes)
        {
            if (Routing.VirtualRoute.TryParse(text, out Routing.VirtualRoute route, out _) && !route.NoTrack && route.Device is { } device && device != instance.Interface)
            {
                yield return device;
            }
        }

        foreach (string text in instance.VirtualRules)
        {
            if (Routing.VirtualRule.TryParse(text, out Routing.VirtualRule rule, out _) && !rule.NoTrack)
            {
                foreach (string? device in new[] { rule.InputInterface, rule.OutputInterface })
                {
                    if (device is not null && device != instance.Interface)
                    {
                        yield return device;
                    }
                }
            }
        }
    }

    private static KeepalivedCheckPlan InterfaceCheck(string name) =>
        new($"interface:{name}", Fingerprint.Of($"interface {name}"), new ScheduledCheckOptions { Name = name, Interval = TimeSpan.FromMilliseconds(100), KnownAtStart = true }, links => links.CreateInterfaceCheck(name));

    private static KeepalivedCheckPlan ConfigurationFaultCheck(string instance, string reason) =>
        new($"config:{instance}", Fingerprint.Of($"config {instance}\u0001{reason}"), new ScheduledCheckOptions { Name = instance, Interval = TimeSpan.FromSeconds(1), InitFail = true, KnownAtStart = true }, _ => new ConfigurationFaultHealthCheck(reason)); // Fault from the start, as keepalived

    // Route netlink's address events keep the state; the schedule reads it, as it reads a link's.
    private static KeepalivedCheckPlan SourceAddressCheck(string interfaceName, string address) =>
        new($"source:{interfaceName}/{address}", Fingerprint.Of($"source {interfaceName} {address}"), new ScheduledCheckOptions { Name = $"{interfaceName} {address}", Interval = TimeSpan.FromMilliseconds(100), KnownAtStart = true }, _ => new Linux.Netlink.SourceAddressHealthCheck(interfaceName, address));

    // The monitor keeps the count from process events; the schedule reads it, as it reads a link's state.
    private static KeepalivedCheckPlan ProcessCheck(KeepalivedTrackProcess process)
    {
        var options = new ScheduledCheckOptions { Name = process.Name, Interval = TimeSpan.FromMilliseconds(100), Weight = process.Weight, KnownAtStart = true };
        string fingerprint = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"process {process.Name}\u0001{process.Process}\u0001{string.Join('\u0002', process.Parameters)}\u0001{process.ParameterMatch} {process.FullCommand} {process.Weight} {process.WeightReverse} {process.Quorum} {process.QuorumMaximum} {process.ForkDelay.Ticks} {process.TerminateDelay.Ticks}");
        return new KeepalivedCheckPlan(
            $"process:{process.Name}",
            Fingerprint.Of(fingerprint),
            options,
            (_, processes) => processes!.CreateCheck(MatchOf(process), process.Quorum, process.QuorumMaximum, process.ForkDelay, process.TerminateDelay),
            usesProcesses: true);
    }

    private static Linux.Processes.ProcessMatch MatchOf(KeepalivedTrackProcess process) =>
        new(process.Process, process.Parameters, process.ParameterMatch switch
        {
            KeepalivedParameterMatch.Exact => Linux.Processes.ParameterMatch.Exact,
            KeepalivedParameterMatch.Partial => Linux.Processes.ParameterMatch.Partial,
            KeepalivedParameterMatch.Initial => Linux.Processes.ParameterMatch.Initial,
            _ => Linux.Processes.ParameterMatch.None,
        }, process.FullCommand);

    private static KeepalivedCheckPlan FileCheck(KeepalivedTrackFile file)
    {
        var options = new ScheduledCheckOptions { Name = file.Name, Interval = TimeSpan.FromSeconds(1), Weight = file.Weight, KnownAtStart = true };
        string fingerprint = $"file {file.Name} {file.File} {file.Weight} {file.InitFileValue} {file.InitFileOverwrite}";
        return new KeepalivedCheckPlan($"file:{file.Name}", Fingerprint.Of(fingerprint), options, _ => new TrackFileHealthCheck(file.File) { InitFile = file.InitFileValue, InitFileOverwrite = file.InitFileOverwrite });
    }
}
