using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Vrrp.Keepalived.Syntax;
using Vrrp.Packets;

namespace Vrrp.Keepalived.Binding;

internal sealed partial class KeepalivedBinder
{
    private KeepalivedGlobalDefinitions BindGlobal(SyntaxNode section, KeepalivedGlobalDefinitions global)
    {
        KeepalivedGlobalDefinitions g = global;
        Token? rtPriorityAt = null;
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["router_id"] = new(1, 1, s => g = g with { RouterId = Text(s, 0) }, Allowed: "a name"),
            ["default_interface"] = new(1, 1, s => g = g with { DefaultInterface = Text(s, 0) }, Allowed: "an interface name"),
            ["vrrp_version"] = new(1, 1, s => { if (Int(s, 0, 2, 3, out int v)) { g = g with { VrrpVersion = (VrrpVersion)v }; } }, Allowed: "2 or 3"),
            ["vrrp_garp_master_delay"] = new(1, 1, s => { if (Seconds(s, 0, 0, 255, out TimeSpan v)) { g = g with { GarpMasterDelay = v }; } }, Allowed: "0 to 255 seconds"),
            ["vrrp_garp_master_repeat"] = new(1, 1, s => { if (Int(s, 0, 0, 255, out int v)) { g = g with { GarpMasterRepeat = v }; } }, Allowed: "0 to 255"),
            ["vrrp_garp_master_refresh"] = new(1, 1, s => { if (Seconds(s, 0, 0, 86400, out TimeSpan v)) { g = g with { GarpMasterRefresh = v }; } }, Allowed: "0 to 86400 seconds"),
            ["vrrp_garp_master_refresh_repeat"] = new(1, 1, s => { if (Int(s, 0, 1, 255, out int v)) { g = g with { GarpMasterRefreshRepeat = v }; } }, Allowed: "1 to 255"),
            ["vrrp_garp_lower_prio_delay"] = new(1, 1, s => { if (Seconds(s, 0, 0, 255, out TimeSpan v)) { g = g with { GarpLowerPriorityDelay = v }; } }, Allowed: "0 to 255 seconds"),
            ["vrrp_garp_lower_prio_repeat"] = new(1, 1, s => { if (Int(s, 0, 0, 255, out int v)) { g = g with { GarpLowerPriorityRepeat = v }; } }, Allowed: "0 to 255"),
            ["vrrp_garp_interval"] = new(1, 1, s => { if (Seconds(s, 0, 0, 1, out TimeSpan v)) { g = g with { GarpInterval = v }; } }, Allowed: "0 to 1 seconds"),
            ["vrrp_gna_interval"] = new(1, 1, s => { if (Seconds(s, 0, 0, 1, out TimeSpan v)) { g = g with { GnaInterval = v }; } }, Allowed: "0 to 1 seconds"),
            ["vrrp_down_timer_adverts"] = new(1, 1, s => { if (Int(s, 0, 1, 100, out int v)) { g = g with { DownTimerAdverts = v }; } }, Allowed: "1 to 100"),
            ["vrrp_min_garp"] = new(0, 1, s => { if (OptionalBool(s, out bool v)) { g = g with { MinGarp = v }; } }),
            ["vrrp_lower_prio_no_advert"] = new(0, 1, s => { if (OptionalBool(s, out bool v)) { g = g with { LowerPriorityNoAdvert = v }; } }),
            ["vrrp_higher_prio_send_advert"] = new(0, 1, s => { if (OptionalBool(s, out bool v)) { g = g with { HigherPrioritySendAdvert = v }; } }),
            ["vrrp_check_unicast_src"] = new(0, 0, _ => g = g with { CheckUnicastSource = true }),
            ["vrrp_skip_check_adv_addr"] = new(0, 0, _ => g = g with { SkipCheckAdvertAddress = true }),
            ["vrrp_strict"] = new(0, 0, _ => g = g with { Strict = true }),
            ["nftables"] = new(0, 1, s =>
            {
                if (g.Nftables is not null)
                {
                    _diagnostics.Warning(s.Keyword, "nftables already specified - ignoring (keepalived's words)");
                }
                else if (s.Arguments.Count == 1 && (s.Arguments[0].Text.Length > 64 || !IsTableName(s.Arguments[0].Text)))
                {
                    _diagnostics.Error(s.Arguments[0], $"nftables: '{s.Arguments[0].Text}' is not a plain nftables table name (a letter, then letters, digits, '_' or '-'; at most 64)");
                }
                else
                {
                    g = g with { Nftables = s.Arguments.Count == 1 ? s.Arguments[0].Text : "" };
                }
            }, Allowed: "[TABLE]"),
            ["nftables_counters"] = new(0, 0, _ => g = g with { NftablesCounters = true }),
            ["nftables_priority"] = new(1, 1, s => { if (Int(s, 0, int.MinValue, int.MaxValue, out int v)) { g = g with { NftablesPriority = v }; } }, Allowed: "a chain priority"),
            ["vrrp_startup_delay"] = new(1, 1, s => { if (Seconds(s, 0, 0, 3600, out TimeSpan v)) { g = g with { StartupDelay = v }; } }, Allowed: "0 to 3600 seconds"),
            ["vrrp_mcast_group4"] = new(1, 1, s => { if (MulticastGroup(s, AddressFamily.InterNetwork)) { g = g with { MulticastGroup4 = Text(s, 0) }; } }, Allowed: "an IPv4 multicast address"),
            ["vrrp_mcast_group6"] = new(1, 1, s => { if (MulticastGroup(s, AddressFamily.InterNetworkV6)) { g = g with { MulticastGroup6 = Text(s, 0) }; } }, Allowed: "an IPv6 multicast address"),
            ["script_user"] = new(1, 2, s => g = g with { ScriptUser = string.Join(' ', s.Arguments.Select(static t => t.Text)) }, Allowed: "USER [GROUP]"),
            ["enable_script_security"] = new(0, 0, _ => g = g with { EnableScriptSecurity = true }),
            ["notify_fifo"] = new(1, 3, s => g = g with { NotifyFifo = Notify(s) }, Allowed: "a FIFO path"),
            ["notify_fifo_script"] = new(1, 3, s => g = g with { NotifyFifoScript = Notify(s) }, Allowed: "a script"),
            ["vrrp_notify_fifo"] = new(1, 3, s => g = g with { VrrpNotifyFifo = Notify(s) }, Allowed: "a FIFO path"),
            ["vrrp_notify_fifo_script"] = new(1, 3, s => g = g with { VrrpNotifyFifoScript = Notify(s) }, Allowed: "a script"),
            ["vrrp_no_swap"] = new(0, 0, _ => g = g with { NoSwap = true }),
            ["disable_local_igmp"] = new(0, 0, _ => g = g with { DisableLocalIgmp = true }),
            ["vrrp_rt_priority"] = new(1, 1, s => { rtPriorityAt = s.Keyword; if (Int(s, 0, 1, 99, out int v)) { g = g with { RealTimePriority = v }; } }, Allowed: "1 to 99"),
            ["vrrp_garp_extra_if"] = new(1, 2, s => { if (GarpExtraInterfaces(s, minimum: 1) is { } v) { g = g with { GarpExtraInterfaces = v.Interval, GarpExtraInterfacesAll = v.All }; } }, Allowed: "[all] 1 to 86400 seconds"),
            ["vrrp_vmac_garp_intvl"] = new(1, 2, s => { if (GarpExtraInterfaces(s, minimum: 1) is { } v) { g = g with { GarpExtraInterfaces = v.Interval, GarpExtraInterfacesAll = v.All }; } }, Allowed: "[all] 0 to 86400 seconds"),
            ["vrrp_priority"] = new(1, 1, s => { if (Int(s, 0, -20, 19, out int v)) { g = g with { ProcessPriority = v }; } }, Allowed: "-20 to 19"),
            ["vrrp_cpu_affinity"] = new(1, 1024, s =>
            {
                // keepalived checks each against the number of CPUs online (sysconf) when it reads the file.
                var cpus = new List<int>();
                int online = OnlineCpuCount();
                for (int i = 0; i < s.Arguments.Count; i++)
                {
                    if (!Int(s, i, 0, online - 1, out int cpu))
                    {
                        return;
                    }

                    cpus.Add(cpu);
                }

                g = g with { CpuAffinity = cpus };
            }, Allowed: "CPU numbers"),
            ["vrrp_rlimit_rttime"] = new(1, 1, s => RealTimeLimit(s), Allowed: "microseconds"),
            ["vrrp_rlimit_rtime"] = new(1, 1, s =>
            {
                _diagnostics.Difference(s.Keyword, "Keyword 'vrrp_rlimit_rtime' is deprecated - please use 'vrrp_rlimit_rttime' (keepalived's words)");
                RealTimeLimit(s);
            }, Allowed: "microseconds"),
            ["min_auto_priority_delay"] = new(1, 1, s => { if (Int(s, 0, 1, 10_000_000, out int v)) { g = g with { MinAutoPriorityDelay = TimeSpan.FromMicroseconds(v) }; } }, Allowed: "1 to 10000000 microseconds"),
            ["max_auto_priority"] = new(0, 1, s =>
            {
                int v = 99;
                if (s.Arguments.Count == 0 || Int(s, 0, -1, 99, out v))
                {
                    g = g with { MaxAutoPriority = v };
                }
            }),
        };
        Bind(section, rules, "global_defs");
        if (g.RealTimePriority is not null && g.RealTimeLimit is null && rtPriorityAt is { } at)
        {
            _diagnostics.Difference(at, "vrrp_rt_priority: keepalived also limits a real-time thread's CPU time without a blocking call to 10000 µs (RLIMIT_RTTIME, soft at half); vrrpd sets that limit only when vrrp_rlimit_rttime is given, since a .NET JIT compilation or garbage collection on a protocol thread may run longer and the kernel would then kill vrrpd");
        }

        return g;

        void RealTimeLimit(SyntaxNode s)
        {
            Token token = s.Arguments[0];
            if (uint.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out uint microseconds) && microseconds >= 1)
            {
                g = g with { RealTimeLimit = TimeSpan.FromMicroseconds(Math.Max(microseconds, 2u)) }; // halved for the soft limit, which must not be 0
            }
            else
            {
                _diagnostics.Error(token, $"Invalid vrrp real-time limit - {token.Text} (keepalived's words): 1 to 4294967295 microseconds");
            }
        }
    }

    // sysconf(_SC_NPROCESSORS_ONLN), as glibc counts it: the ranges of /sys/devices/system/cpu/online ("0-3,6"), not
    // Environment.ProcessorCount, which an affinity mask or a CPU quota of the reader's own makes smaller.
    private static int OnlineCpuCount()
    {
        try
        {
            int count = 0;
            foreach (string range in File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] ends = range.Split('-');
                int first = int.Parse(ends[0], CultureInfo.InvariantCulture);
                int last = ends.Length > 1 ? int.Parse(ends[1], CultureInfo.InvariantCulture) : first;
                count += last - first + 1;
            }

            return count > 0 ? count : Environment.ProcessorCount;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return Environment.ProcessorCount;
        }
    }

    private static bool IsTableName(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private bool MulticastGroup(SyntaxNode statement, AddressFamily family)
    {
        Token token = statement.Arguments[0];
        if (TryParseAddress(token.Text, out IPAddress address) && address.AddressFamily == family
            && (family == AddressFamily.InterNetworkV6 ? address.IsIPv6Multicast : (address.GetAddressBytes()[0] & 0xF0) == 0xE0))
        {
            return true;
        }

        _diagnostics.Error(token, $"{statement.Name} must be an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} multicast address; got {token.Text}");
        return false;
    }
}
