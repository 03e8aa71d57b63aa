using System.Globalization;
using System.Text;
using Vrrp.Packets;

namespace Vrrp.Keepalived;

/// <summary>
/// Writes a model back as keepalived syntax. Instances are written with every value spelled out, so reading the text
/// back gives an equal model whatever <c>global_defs</c> says (except <see cref="KeepalivedInstance.StartupDelay"/>,
/// which keepalived only takes from <c>vrrp_startup_delay</c>).
/// </summary>
public static class KeepalivedConfigurationWriter
{
    private const string Indent = "    ";

    /// <summary>Writes a configuration to text.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>keepalived.conf text.</returns>
    public static string Write(KeepalivedConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = new StringBuilder();
        WriteGlobal(text, configuration.GlobalDefinitions);
        foreach (KeepalivedScript script in configuration.Scripts)
        {
            WriteScript(text, script);
        }

        foreach (KeepalivedTrackFile trackFile in configuration.TrackFiles)
        {
            WriteTrackFile(text, trackFile);
        }

        foreach (KeepalivedTrackProcess process in configuration.TrackProcesses)
        {
            WriteTrackProcess(text, process);
        }

        foreach (KeepalivedTrackGroup group in configuration.TrackGroups)
        {
            text.Append("track_group ").Append(Quote(group.Name)).Append(" {\n");
            List(text, "group", group.Group.Select(Quote));
            text.Append("}\n\n");
        }

        TopLevelList(text, "static_ipaddress", configuration.StaticAddresses.Select(Address));
        TopLevelList(text, "static_routes", configuration.StaticRoutes);
        TopLevelList(text, "static_rules", configuration.StaticRules);
        foreach (KeepalivedInstance instance in configuration.Instances)
        {
            WriteInstance(text, instance);
        }

        foreach (KeepalivedSyncGroup group in configuration.SyncGroups)
        {
            WriteSyncGroup(text, group);
        }

        return text.ToString();
    }

    /// <summary>Writes a configuration to a writer.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="writer">Where to write.</param>
    public static void Write(KeepalivedConfiguration configuration, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Write(configuration));
    }

    /// <summary>Quotes a value when keepalived would otherwise split it, cut it at a comment or read a brace in it.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value as it should appear in the file.</returns>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // '@' starts a conditional line and include* an include when first on a line: quoted, they are plain words.
        bool plain = value.Length > 0 && value[0] != '@' && value is not ("include" or "includer" or "includem" or "includew" or "includeb" or "includea");
        foreach (char c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '#' or '!' or '{' or '}' or '\\' or '$')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return value;
        }

        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\r' => quoted.Append("\\r"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    // For values after which a keyword may follow on the same line: quoted, a value that reads like a keyword stays a value.
    private static string QuoteAlways(string value)
    {
        string quoted = Quote(value);
        return quoted.StartsWith('"') ? quoted : "\"" + quoted + "\"";
    }

    private static void WriteGlobal(StringBuilder text, KeepalivedGlobalDefinitions g)
    {
        var body = new StringBuilder();
        Optional(body, 1, "router_id", g.RouterId);
        Optional(body, 1, "default_interface", g.DefaultInterface);
        Flag(body, 1, "vrrp_no_swap", g.NoSwap);
        Flag(body, 1, "disable_local_igmp", g.DisableLocalIgmp);
        Optional(body, 1, "vrrp_version", g.VrrpVersion is { } version ? Number((int)version) : null);
        Optional(body, 1, "vrrp_garp_master_delay", Seconds(g.GarpMasterDelay));
        Optional(body, 1, "vrrp_garp_master_repeat", Number(g.GarpMasterRepeat));
        Optional(body, 1, "vrrp_garp_master_refresh", Seconds(g.GarpMasterRefresh));
        Optional(body, 1, "vrrp_garp_extra_if", g.GarpExtraInterfaces is { } extra ? $"{(g.GarpExtraInterfacesAll ? "all " : "")}{Seconds(extra)}" : null);
        Optional(body, 1, "vrrp_garp_master_refresh_repeat", Number(g.GarpMasterRefreshRepeat));
        Optional(body, 1, "vrrp_garp_lower_prio_delay", Seconds(g.GarpLowerPriorityDelay));
        Optional(body, 1, "vrrp_garp_lower_prio_repeat", Number(g.GarpLowerPriorityRepeat));
        Optional(body, 1, "vrrp_garp_interval", Seconds(g.GarpInterval));
        Optional(body, 1, "vrrp_gna_interval", Seconds(g.GnaInterval));
        Optional(body, 1, "vrrp_down_timer_adverts", Number(g.DownTimerAdverts));
        Optional(body, 1, "vrrp_lower_prio_no_advert", Bool(g.LowerPriorityNoAdvert));
        Optional(body, 1, "vrrp_higher_prio_send_advert", Bool(g.HigherPrioritySendAdvert));
        Flag(body, 1, "vrrp_check_unicast_src", g.CheckUnicastSource);
        Flag(body, 1, "vrrp_skip_check_adv_addr", g.SkipCheckAdvertAddress);
        Flag(body, 1, "vrrp_min_garp", g.MinGarp);
        Flag(body, 1, "vrrp_strict", g.Strict);
        if (g.Nftables is not null)
        {
            Line(body, 1, g.Nftables.Length == 0 ? "nftables" : $"nftables {g.Nftables}");
        }

        Optional(body, 1, "nftables_priority", Number(g.NftablesPriority));
        Flag(body, 1, "nftables_counters", g.NftablesCounters);
        Optional(body, 1, "vrrp_startup_delay", Seconds(g.StartupDelay));
        Optional(body, 1, "vrrp_mcast_group4", g.MulticastGroup4);
        Optional(body, 1, "vrrp_mcast_group6", g.MulticastGroup6);
        Words(body, 1, "script_user", g.ScriptUser);
        Flag(body, 1, "enable_script_security", g.EnableScriptSecurity);
        Optional(body, 1, "notify_fifo", g.NotifyFifo);
        Optional(body, 1, "notify_fifo_script", g.NotifyFifoScript);
        Optional(body, 1, "vrrp_notify_fifo", g.VrrpNotifyFifo);
        Optional(body, 1, "vrrp_notify_fifo_script", g.VrrpNotifyFifoScript);
        Optional(body, 1, "max_auto_priority", Number(g.MaxAutoPriority));
        Optional(body, 1, "vrrp_rt_priority", Number(g.RealTimePriority));
        Optional(body, 1, "vrrp_priority", Number(g.ProcessPriority));
        Optional(body, 1, "vrrp_cpu_affinity", g.CpuAffinity is { Count: > 0 } cpus ? string.Join(' ', cpus.Select(static c => c.ToString(CultureInfo.InvariantCulture))) : null);
        Optional(body, 1, "vrrp_rlimit_rttime", g.RealTimeLimit is { } rttime ? ((long)rttime.TotalMicroseconds).ToString(CultureInfo.InvariantCulture) : null);
        Optional(body, 1, "min_auto_priority_delay", g.MinAutoPriorityDelay is { } delay ? ((long)delay.TotalMicroseconds).ToString(CultureInfo.InvariantCulture) : null);
        if (body.Length > 0)
        {
            text.Append("global_defs {\n").Append(body).Append("}\n\n");
        }
    }

    private static void WriteScript(StringBuilder text, KeepalivedScript s)
    {
        text.Append("vrrp_script ").Append(Quote(s.Name)).Append(" {\n");
        Optional(text, 1, "script", s.Command);
        Optional(text, 1, "interval", Seconds(s.Interval));
        Optional(text, 1, "timeout", Seconds(s.Timeout));
        Optional(text, 1, "rise", Number(s.Rise));
        Optional(text, 1, "fall", Number(s.Fall));
        Line(text, 1, "weight " + Number(s.Weight) + (s.WeightReverse ? " reverse" : string.Empty));
        Words(text, 1, "user", s.User);
        Flag(text, 1, "init_fail", s.InitFail);
        text.Append("}\n\n");
    }

    private static void WriteTrackFile(StringBuilder text, KeepalivedTrackFile t)
    {
        text.Append("vrrp_track_file ").Append(Quote(t.Name)).Append(" {\n");
        Optional(text, 1, "file", t.File);
        Line(text, 1, "weight " + Number(t.Weight) + (t.WeightReverse ? " reverse" : string.Empty));
        if (t.InitFileValue is { } value)
        {
            Line(text, 1, "init_file " + Number(value) + (t.InitFileOverwrite ? " overwrite" : string.Empty));
        }

        text.Append("}\n\n");
    }

    private static void WriteTrackProcess(StringBuilder text, KeepalivedTrackProcess p)
    {
        text.Append("vrrp_track_process ").Append(Quote(p.Name)).Append(" {\n");
        Line(text, 1, "process " + string.Join(' ', new[] { p.Process }.Concat(p.Parameters).Select(QuoteAlways)));
        if (p.ParameterMatch is KeepalivedParameterMatch.Partial or KeepalivedParameterMatch.Initial)
        {
            Line(text, 1, p.ParameterMatch == KeepalivedParameterMatch.Partial ? "param_match partial" : "param_match initial");
        }
        else if (p.ParameterMatch == KeepalivedParameterMatch.Exact && p.Parameters.Count == 0)
        {
            Line(text, 1, "param_match");
        }

        Flag(text, 1, "full_command", p.FullCommand && p.Parameters.Count == 0 && p.ParameterMatch == KeepalivedParameterMatch.None);
        Line(text, 1, "weight " + Number(p.Weight) + (p.WeightReverse ? " reverse" : string.Empty));
        if (p.QuorumMaximum != int.MaxValue)
        {
            Line(text, 1, "quorum_max " + Number(p.QuorumMaximum));
        }

        if (p.QuorumMaximum != 0)
        {
            Line(text, 1, "quorum " + Number(p.Quorum));
        }

        Optional(text, 1, "fork_delay", p.ForkDelay > TimeSpan.Zero ? Seconds(p.ForkDelay) : null);
        Optional(text, 1, "terminate_delay", p.TerminateDelay > TimeSpan.Zero ? Seconds(p.TerminateDelay) : null);
        text.Append("}\n\n");
    }

    private static void WriteInstance(StringBuilder text, KeepalivedInstance i)
    {
        text.Append("vrrp_instance ").Append(Quote(i.Name)).Append(" {\n");
        Line(text, 1, i.State == KeepalivedState.Master ? "state MASTER" : "state BACKUP");
        Optional(text, 1, "interface", i.Interface.Length == 0 ? null : i.Interface);
        Line(text, 1, "virtual_router_id " + Number(i.VirtualRouterId));
        Line(text, 1, "priority " + Number(i.Priority));
        Line(text, 1, "advert_int " + Seconds(i.AdvertisementInterval));
        Line(text, 1, "version " + Number((int)i.Version));
        Flag(text, 1, "nopreempt", !i.Preempt);
        Optional(text, 1, "preempt_delay", i.PreemptDelay == TimeSpan.Zero ? null : Seconds(i.PreemptDelay));
        Line(text, 1, i.AcceptMode ? "accept" : "no_accept");
        if (i.AuthenticationType != VrrpAuthenticationType.None)
        {
            Line(text, 1, "authentication {");
            Line(text, 2, i.AuthenticationType == VrrpAuthenticationType.IPAuthenticationHeader ? "auth_type AH" : "auth_type PASS");
            Optional(text, 2, "auth_pass", i.AuthenticationPassword);
            Line(text, 1, "}");
        }

        Optional(text, 1, i.UnicastPeers.Count > 0 ? "unicast_src_ip" : "mcast_src_ip", i.SourceAddress);
        string ttl = (i.UnicastMinimumTtl != 0 ? $" min_ttl {i.UnicastMinimumTtl.ToString(CultureInfo.InvariantCulture)}" : string.Empty)
            + (i.UnicastMaximumTtl != 255 ? $" max_ttl {i.UnicastMaximumTtl.ToString(CultureInfo.InvariantCulture)}" : string.Empty);
        List(text, "unicast_peer", i.UnicastPeers.Select(p => Quote(p) + ttl));
        List(text, "virtual_ipaddress", i.VirtualAddresses.Select(Address));
        List(text, "virtual_ipaddress_excluded", i.ExcludedVirtualAddresses.Select(Address));
        List(text, "virtual_routes", i.VirtualRoutes);
        List(text, "virtual_rules", i.VirtualRules);
        if (i.UseVirtualMac)
        {
            Line(text, 1, i.VirtualMacInterface is null ? "use_vmac" : "use_vmac " + QuoteAlways(i.VirtualMacInterface));
        }

        Flag(text, 1, "vmac_xmit_base", i.VirtualMacTransmitBase);

        Line(text, 1, "garp_master_delay " + Seconds(i.GarpMasterDelay));
        Line(text, 1, "garp_master_repeat " + Number(i.GarpMasterRepeat));
        Line(text, 1, "garp_master_refresh " + Seconds(i.GarpMasterRefresh));
        Line(text, 1, "garp_master_refresh_repeat " + Number(i.GarpMasterRefreshRepeat));
        Line(text, 1, $"garp_extra_if {(i.GarpExtraInterfacesAll ? "all " : "")}{Seconds(i.GarpExtraInterfaces)}");
        Line(text, 1, "garp_lower_prio_delay " + Seconds(i.GarpLowerPriorityDelay));
        Line(text, 1, "garp_lower_prio_repeat " + Number(i.GarpLowerPriorityRepeat));
        Line(text, 1, "lower_prio_no_advert " + Bool(i.LowerPriorityNoAdvert));
        Line(text, 1, "higher_prio_send_advert " + Bool(i.HigherPrioritySendAdvert));
        Line(text, 1, "skip_check_adv_addr " + Bool(i.SkipCheckAdvertAddress));
        if (i.DontTrackPrimary)
        {
            Line(text, 1, "dont_track_primary");
        }

        Optional(text, 1, "unicast_ttl", i.UnicastTtl is { } unicastTtl ? Number(unicastTtl) : null);
        Flag(text, 1, "unicast_fault_no_peer", i.UnicastFaultNoPeer);
        Flag(text, 1, "native_ipv6", i.NativeIPv6);
        Flag(text, 1, "track_src_ip", i.TrackSourceAddress);
        Line(text, 1, "down_timer_adverts " + Number(i.DownTimerAdverts));
        List(text, "track_script", i.TrackScripts.Select(Track));
        List(text, "track_interface", i.TrackInterfaces.Select(Track));
        List(text, "track_file", i.TrackFiles.Select(Track));
        List(text, "track_process", i.TrackProcesses.Select(Track));
        Optional(text, 1, "notify", i.Notify);
        Optional(text, 1, "notify_master", i.NotifyMaster);
        Optional(text, 1, "notify_backup", i.NotifyBackup);
        Optional(text, 1, "notify_fault", i.NotifyFault);
        Optional(text, 1, "notify_stop", i.NotifyStop);
        Optional(text, 1, "notify_master_rx_lower_pri", i.NotifyMasterRxLowerPriority);
        text.Append("}\n\n");
    }

    private static void WriteSyncGroup(StringBuilder text, KeepalivedSyncGroup g)
    {
        text.Append("vrrp_sync_group ").Append(Quote(g.Name)).Append(" {\n");
        List(text, "group", g.Group.Select(Quote));
        List(text, "track_script", g.TrackScripts.Select(Track));
        List(text, "track_interface", g.TrackInterfaces.Select(Track));
        List(text, "track_file", g.TrackFiles.Select(Track));
        List(text, "track_process", g.TrackProcesses.Select(Track));
        Optional(text, 1, "notify", g.Notify);
        Optional(text, 1, "notify_master", g.NotifyMaster);
        Optional(text, 1, "notify_backup", g.NotifyBackup);
        Optional(text, 1, "notify_fault", g.NotifyFault);
        Optional(text, 1, "notify_stop", g.NotifyStop);
        text.Append("}\n\n");
    }

    private static string Address(KeepalivedVirtualAddress a)
    {
        var line = new StringBuilder(Quote(a.Address));
        Option(line, "dev", a.Device);
        Option(line, "label", a.Label);
        Option(line, "brd", a.Broadcast);
        Option(line, "scope", a.Scope);
        Option(line, "peer", a.Peer);
        Option(line, "preferred_lft", a.PreferredLifetime);
        Option(line, "track_group", a.TrackGroup);
        foreach (string flag in a.Flags)
        {
            line.Append(' ').Append(flag);
        }

        if (a.NoTrack)
        {
            line.Append(" no_track");
        }

        return line.ToString();

        static void Option(StringBuilder line, string name, string? value)
        {
            if (value is not null)
            {
                line.Append(' ').Append(name).Append(' ').Append(Quote(value));
            }
        }
    }

    private static string Track(KeepalivedTrack t) =>
        Quote(t.Name) + (t.Weight is { } weight ? " weight " + Number(weight) : string.Empty) + (t.Reverse switch { true => " reverse", false => " noreverse", null => string.Empty });

    private static void TopLevelList(StringBuilder text, string keyword, IEnumerable<string> entries)
    {
        string[] all = [.. entries];
        if (all.Length == 0)
        {
            return;
        }

        Line(text, 0, keyword + " {");
        foreach (string entry in all)
        {
            Line(text, 1, entry);
        }

        Line(text, 0, "}");
    }

    private static void List(StringBuilder text, string keyword, IEnumerable<string> entries)
    {
        bool open = false;
        foreach (string entry in entries)
        {
            if (!open)
            {
                Line(text, 1, keyword + " {");
                open = true;
            }

            Line(text, 2, entry);
        }

        if (open)
        {
            Line(text, 1, "}");
        }
    }

    private static void Optional(StringBuilder text, int depth, string keyword, string? value)
    {
        if (value is not null)
        {
            Line(text, depth, keyword + " " + Quote(value));
        }
    }

    private static void Words(StringBuilder text, int depth, string keyword, string? words)
    {
        if (words is not null)
        {
            Line(text, depth, keyword + " " + string.Join(' ', words.Split(' ').Select(QuoteAlways)));
        }
    }

    private static void Flag(StringBuilder text, int depth, string keyword, bool value)
    {
        if (value)
        {
            Line(text, depth, keyword);
        }
    }

    private static void Line(StringBuilder text, int depth, string line)
    {
        for (int d = 0; d < depth; d++)
        {
            text.Append(Indent);
        }

        text.Append(line).Append('\n');
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Bool(bool? value) => value switch
    {
        null => null,
        true => "true",
        false => "false",
    };

    private static string Seconds(TimeSpan value) => ((decimal)value.Ticks / TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture);

    private static string? Seconds(TimeSpan? value) => value is { } v ? Seconds(v) : null;
}
