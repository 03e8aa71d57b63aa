using System.Globalization;
using System.Net;
using System.Text;
using Vrrp.Addressing;
using Vrrp.Keepalived.Syntax;
using Vrrp.Packets;

namespace Vrrp.Keepalived.Binding;

internal sealed partial class KeepalivedBinder
{
    private static readonly string[] s_scopes = ["global", "site", "link", "host", "nowhere"];

    // keepalived's priorities for rules written without one, per family, counting down through the file.
    private uint _nextRulePriority4 = 16384;
    private uint _nextRulePriority6 = 16384;

    // Where each address of the instance being bound was written.
    private readonly Dictionary<KeepalivedVirtualAddress, Token> _addressTokens = [];
    private readonly List<KeepalivedTrackGroup> _trackGroups = []; // those read so far: keepalived finds a static address's group at its line

    /// <summary>What an instance set itself, so the defaults that depend on other keys can be filled in afterwards.</summary>
    private sealed class Explicit
    {
        public bool Version;
        public bool Accept;
        public bool LowerPriorityNoAdvert;
        public bool HigherPrioritySendAdvert;
        public bool SkipCheckAdvertAddress;
        public bool GarpLowerPriorityDelay;
        public bool GarpLowerPriorityRepeat;
        public bool Interface;
        public bool VirtualRouterId;
        public bool Priority;
    }

    private KeepalivedInstance BindInstance(SyntaxNode section, string name, KeepalivedGlobalDefinitions global)
    {
        var set = new Explicit();
        Token? nopreemptAt = null, preemptDelayAt = null, authenticationAt = null, advertIntAt = null, promoteSecondariesAt = null, unicastTtlAt = null, garpExtraAt = null;
        _addressTokens.Clear();
        KeepalivedInstance i = new()
        {
            Name = name,
            Source = Location(section),
            Version = global.VrrpVersion ?? VrrpVersion.V2,
            // vrrp_min_garp changes only what the file leaves at keepalived's defaults: delay 5 s and 5 repeats.
            GarpMasterDelay = global.GarpMasterDelay ?? (global.MinGarp ? TimeSpan.Zero : TimeSpan.FromSeconds(5)),
            GarpMasterRepeat = global.GarpMasterRepeat ?? (global.MinGarp ? 1 : 5),
            GarpMasterRefresh = global.GarpMasterRefresh ?? TimeSpan.Zero,
            GarpMasterRefreshRepeat = global.GarpMasterRefreshRepeat ?? 1,
            GarpExtraInterfaces = global.GarpExtraInterfaces ?? TimeSpan.Zero,
            GarpExtraInterfacesAll = global.GarpExtraInterfacesAll,
            DownTimerAdverts = global.DownTimerAdverts ?? 3,
            StartupDelay = global.StartupDelay ?? TimeSpan.Zero,
        };

        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["state"] = new(1, 1, s =>
            {
                switch (Text(s, 0).ToUpperInvariant())
                {
                    case "MASTER": i = i with { State = KeepalivedState.Master }; break;
                    case "BACKUP": i = i with { State = KeepalivedState.Backup }; break;
                    default: _diagnostics.Error(s.Arguments[0], $"state must be MASTER or BACKUP; got {Text(s, 0)}"); break;
                }
            }, Allowed: "MASTER or BACKUP"),
            ["interface"] = new(1, 1, s => { i = i with { Interface = Text(s, 0) }; set.Interface = true; }, Allowed: "an interface name"),
            ["virtual_router_id"] = new(1, 1, s => { set.VirtualRouterId = true; if (Int(s, 0, 1, 255, out int v)) { i = i with { VirtualRouterId = v }; } }, Allowed: "1 to 255"),
            ["priority"] = new(1, 1, s => { set.Priority = true; if (Int(s, 0, 1, 255, out int v)) { i = i with { Priority = v }; } }, Allowed: "1 to 255"),
            ["advert_int"] = new(1, 1, s => { advertIntAt = s.Keyword; if (Seconds(s, 0, 0.01m, 255, out TimeSpan v)) { i = i with { AdvertisementInterval = v }; } }, Allowed: "0.01 to 255 seconds"),
            ["version"] = new(1, 1, s => { set.Version = true; if (Int(s, 0, 2, 3, out int v)) { i = i with { Version = (VrrpVersion)v }; } }, Allowed: "2 or 3"),
            ["nopreempt"] = new(0, 0, s => { nopreemptAt = s.Keyword; i = i with { Preempt = false }; }),
            ["preempt"] = new(0, 0, _ => i = i with { Preempt = true }),
            ["preempt_delay"] = new(1, 1, s => { preemptDelayAt = s.Keyword; if (Seconds(s, 0, 0, 1000, out TimeSpan v)) { i = i with { PreemptDelay = v }; } }, Allowed: "0 to 1000 seconds"),
            ["accept"] = new(0, 0, _ => { set.Accept = true; i = i with { AcceptMode = true }; }),
            ["no_accept"] = new(0, 0, _ => { set.Accept = true; i = i with { AcceptMode = false }; }),
            ["authentication"] = new(0, 0, s => { authenticationAt = s.Keyword; i = BindAuthentication(s, i); }, Block: true),
            ["unicast_src_ip"] = new(1, 1, s => BindSource(s, ref i), Allowed: "an IP address"),
            ["mcast_src_ip"] = new(1, 1, s => BindSource(s, ref i), Allowed: "an IP address"),
            ["unicast_peer"] = new(0, 0, s => i = BindPeers(s, i), Block: true),
            ["virtual_ipaddress"] = new(0, 0, s => i = i with { VirtualAddresses = [.. i.VirtualAddresses, .. BindAddresses(s)] }, Block: true),
            ["virtual_ipaddress_excluded"] = new(0, 0, s => i = i with { ExcludedVirtualAddresses = [.. i.ExcludedVirtualAddresses, .. BindAddresses(s)] }, Block: true),
            ["virtual_routes"] = new(0, 0, s => i = i with { VirtualRoutes = [.. i.VirtualRoutes, .. BindRoutes(s)] }, Block: true),
            ["virtual_rules"] = new(0, 0, s => i = i with { VirtualRules = [.. i.VirtualRules, .. BindRules(s)] }, Block: true),
            // vrrpd sets promote_secondaries on every interface it puts an IPv4 address on, as keepalived does with this.
            ["promote_secondaries"] = new(0, 0, s => promoteSecondariesAt = s.Keyword),
            ["use_vmac"] = new(0, 2, s =>
            {
                if (s.Arguments.Count > 1)
                {
                    _diagnostics.Warning(s.Arguments[1], "use_vmac: a MAC address of its own is not supported here; ignored");
                }

                i = i with { UseVirtualMac = true, VirtualMacInterface = s.Arguments.Count > 0 ? Text(s, 0) : null };
            }),
            ["vmac_xmit_base"] = new(0, 0, _ => i = i with { VirtualMacTransmitBase = true }),
            ["garp_master_delay"] = new(1, 1, s => { if (Seconds(s, 0, 0, 255, out TimeSpan v)) { i = i with { GarpMasterDelay = v }; } }, Allowed: "0 to 255 seconds"),
            ["garp_master_repeat"] = new(1, 1, s => { if (Int(s, 0, 0, 255, out int v)) { i = i with { GarpMasterRepeat = v }; } }, Allowed: "0 to 255"),
            ["garp_extra_if"] = new(1, 2, s => { if (GarpExtraInterfaces(s) is { } v) { i = i with { GarpExtraInterfaces = v.Interval, GarpExtraInterfacesAll = v.All }; garpExtraAt = s.Keyword; } }, Allowed: "[all] 0 to 86400 seconds"),
            ["vmac_garp_intvl"] = new(1, 2, s => { if (GarpExtraInterfaces(s) is { } v) { i = i with { GarpExtraInterfaces = v.Interval, GarpExtraInterfacesAll = v.All }; garpExtraAt = s.Keyword; } }, Allowed: "[all] 0 to 86400 seconds"),
            ["garp_master_refresh"] = new(1, 1, s => { if (Seconds(s, 0, 0, 86400, out TimeSpan v)) { i = i with { GarpMasterRefresh = v }; } }, Allowed: "0 to 86400 seconds"),
            ["garp_master_refresh_repeat"] = new(1, 1, s => { if (Int(s, 0, 1, 255, out int v)) { i = i with { GarpMasterRefreshRepeat = v }; } }, Allowed: "1 to 255"),
            ["garp_lower_prio_delay"] = new(1, 1, s => { set.GarpLowerPriorityDelay = true; if (Seconds(s, 0, 0, 255, out TimeSpan v)) { i = i with { GarpLowerPriorityDelay = v }; } }, Allowed: "0 to 255 seconds"),
            ["garp_lower_prio_repeat"] = new(1, 1, s => { set.GarpLowerPriorityRepeat = true; if (Int(s, 0, 0, 255, out int v)) { i = i with { GarpLowerPriorityRepeat = v }; } }, Allowed: "0 to 255"),
            ["lower_prio_no_advert"] = new(0, 1, s => { set.LowerPriorityNoAdvert = true; if (OptionalBool(s, out bool v)) { i = i with { LowerPriorityNoAdvert = v }; } }),
            ["higher_prio_send_advert"] = new(0, 1, s => { set.HigherPrioritySendAdvert = true; if (OptionalBool(s, out bool v)) { i = i with { HigherPrioritySendAdvert = v }; } }),
            ["dont_track_primary"] = new(0, 0, _ => i = i with { DontTrackPrimary = true }),
            ["unicast_ttl"] = new(1, 1, s => { unicastTtlAt = s.Keyword; if (Int(s, 0, 0, 255, out int v)) { i = i with { UnicastTtl = v }; } }, Allowed: "0 to 255"),
            ["unicast_fault_no_peer"] = new(0, 0, _ => i = i with { UnicastFaultNoPeer = true }),
            ["native_ipv6"] = new(0, 0, s =>
            {
                // keepalived: refused when an IPv4 address already set the family, else IPv6 and VRRPv3.
                if ((i.VirtualAddresses.Count > 0 && !i.VirtualAddresses[0].Address.Contains(':', StringComparison.Ordinal))
                    || (i.SourceAddress is { } source && !source.Contains(':', StringComparison.Ordinal)))
                {
                    _diagnostics.Warning(s.Keyword, $"({name}) Cannot specify native_ipv6 with IPv4 addresses (keepalived's words): ignored");
                    return;
                }

                i = i with { NativeIPv6 = true };
            }),
            ["track_src_ip"] = new(0, 0, _ => i = i with { TrackSourceAddress = true }),

            // A unicast router always refuses adverts from a source that is not one of its peers (counted as
            // UnknownPeer): what this asks for. Without it keepalived accepts any source; vrrpd never does.
            ["check_unicast_src"] = new(0, 0, _ => { }),
            ["skip_check_adv_addr"] = new(0, 1, s => { set.SkipCheckAdvertAddress = true; if (OptionalBool(s, out bool v)) { i = i with { SkipCheckAdvertAddress = v }; } }),
            ["down_timer_adverts"] = new(1, 1, s => { if (Int(s, 0, 1, 100, out int v)) { i = i with { DownTimerAdverts = v }; } }, Allowed: "1 to 100"),
            ["track_script"] = new(0, 0, s => i = i with { TrackScripts = [.. i.TrackScripts, .. BindTracks(s, KeepalivedScript.MinWeight, KeepalivedScript.MaxWeight, _scriptNames, "vrrp_script")] }, Block: true),
            ["track_interface"] = new(0, 0, s => i = i with { TrackInterfaces = [.. i.TrackInterfaces, .. BindTracks(s, KeepalivedScript.MinWeight, KeepalivedScript.MaxWeight, null, null)] }, Block: true),
            ["track_file"] = new(0, 0, s => i = i with { TrackFiles = [.. i.TrackFiles, .. BindTracks(s, KeepalivedTrackFile.MinWeight, KeepalivedTrackFile.MaxWeight, _trackFileNames, "vrrp_track_file")] }, Block: true),
            ["track_process"] = new(0, 0, s => i = i with { TrackProcesses = [.. i.TrackProcesses, .. BindTracks(s, -254, 254, _trackProcessNames, "vrrp_track_process")] }, Block: true),
            ["notify"] = new(1, 3, s => i = i with { Notify = Notify(s) }, Allowed: "a script"),
            ["notify_master"] = new(1, 3, s => i = i with { NotifyMaster = Notify(s) }, Allowed: "a script"),
            ["notify_backup"] = new(1, 3, s => i = i with { NotifyBackup = Notify(s) }, Allowed: "a script"),
            ["notify_fault"] = new(1, 3, s => i = i with { NotifyFault = Notify(s) }, Allowed: "a script"),
            ["notify_stop"] = new(1, 3, s => i = i with { NotifyStop = Notify(s) }, Allowed: "a script"),
            ["notify_master_rx_lower_pri"] = new(1, 3, s => i = i with { NotifyMasterRxLowerPriority = Notify(s) }, Allowed: "a script"),
        };
        Bind(section, rules, $"vrrp_instance {name}");

        if (!set.Interface)
        {
            _diagnostics.Error(section.Keyword, $"vrrp_instance {name}: interface is missing");
        }

        // A source of the other family than the instance's addresses cannot send its adverts: ignored, with a warning.
        if (i.SourceAddress is { } src && i.VirtualAddresses.Count > 0
            && src.Contains(':', StringComparison.Ordinal) != i.VirtualAddresses[0].Address.Contains(':', StringComparison.Ordinal))
        {
            _diagnostics.Warning(section.Keyword, $"vrrp_instance {name}: unicast_src_ip/mcast_src_ip {src} is not of the family of the instance's addresses: ignored");
            i = i with { SourceAddress = null };
        }

        // keepalived runs an instance in the family of its first address (IPv6 with native_ipv6) and ignores the
        // others, with a warning.
        if (i.VirtualAddresses.Count > 1 || (i.NativeIPv6 && i.VirtualAddresses.Count > 0))
        {
            bool v6 = i.NativeIPv6 || i.VirtualAddresses[0].Address.Contains(':', StringComparison.Ordinal);
            var other = i.VirtualAddresses.Where(a => a.Address.Contains(':', StringComparison.Ordinal) != v6).ToList();
            foreach (KeepalivedVirtualAddress address in other)
            {
                _diagnostics.Warning(_addressTokens.TryGetValue(address, out Token at) ? at : section.Keyword, $"vrrp_instance {name}: {address.Address} is not of the family of the first address ({(v6 ? "IPv6" : "IPv4")}): ignored, as keepalived does");
            }

            if (other.Count > 0)
            {
                i = i with { VirtualAddresses = [.. i.VirtualAddresses.Except(other)] };
            }
        }

        // keepalived's words and behaviour: a TTL for unicast adverts without unicast is reset.
        if (unicastTtlAt is { } ttlAt && i.UnicastTtl is not null)
        {
            if (i.UnicastPeers.Count == 0)
            {
                _diagnostics.Warning(ttlAt, $"vrrp_instance {name}: unicast_ttl needs unicast peers: reset, adverts keep TTL 255 (keepalived 2.2.7 resets it too, to 0, which its peers then drop)");
                i = i with { UnicastTtl = null };
            }
            else if (i.UnicastPeers[0].Contains(':', StringComparison.Ordinal) && i.UnicastTtl != 255)
            {
                _diagnostics.Difference(ttlAt, $"vrrp_instance {name}: unicast_ttl {i.UnicastTtl} applies to IPv4 here: IPv6 unicast adverts leave with hop limit 255 (RFC 9568 §5.1.2.3; keepalived sets {i.UnicastTtl})");
            }
        }

        // keepalived clears track_src_ip, without a word, when no source address is configured: there is none to miss.
        if (i.TrackSourceAddress && i.SourceAddress is null)
        {
            i = i with { TrackSourceAddress = false };
        }

        // keepalived does not run an IPv6 instance without an address ("No VIP specified; at least one is required");
        // with native_ipv6 and IPv4 addresses only, that is what is left.
        if (i.NativeIPv6 && i.VirtualAddresses.Count == 0)
        {
            _diagnostics.Error(section.Keyword, $"vrrp_instance {name}: native_ipv6 with no IPv6 virtual address: ({name}) No VIP specified; at least one is required (keepalived's words: it does not run the instance)");
        }

        if (i.GarpExtraInterfaces > TimeSpan.Zero && !i.GarpExtraInterfacesAll)
        {
            _diagnostics.Difference(garpExtraAt ?? section.Keyword, $"({name}) garp_extra_if without 'all' announces only on the virtual MACs of single addresses (use_vmac on an address), which vrrpd does not make: nothing is sent");
        }

        if (promoteSecondariesAt is { } promote && i.UseVirtualMac)
        {
            _diagnostics.Warning(promote, $"({name}) promote_secondaries is automatically set for vmacs - ignoring (keepalived's words)");
        }

        // keepalived: with no priority, state MASTER makes the instance the address owner (255), BACKUP gives 100.
        if (!set.Priority && i.State == KeepalivedState.Master)
        {
            _diagnostics.Difference(section.Keyword, $"vrrp_instance {name}: no priority, and state MASTER: priority 255, the address owner, as keepalived derives it");
            i = i with { Priority = 255 };
        }

        // keepalived: an instance that starts as MASTER can neither refuse to preempt nor delay it; both are cleared,
        // with a warning. Kept, the preferred node would never take its address back.
        if (i.State == KeepalivedState.Master && !i.Preempt)
        {
            _diagnostics.Warning(nopreemptAt ?? section.Keyword, $"vrrp_instance {name}: nopreempt does not work with state MASTER: cleared, as keepalived does");
            i = i with { Preempt = true };
        }

        if (i.State == KeepalivedState.Master && i.PreemptDelay > TimeSpan.Zero)
        {
            _diagnostics.Warning(preemptDelayAt ?? section.Keyword, $"vrrp_instance {name}: preempt_delay does not work with state MASTER: cleared, as keepalived does");
            i = i with { PreemptDelay = TimeSpan.Zero };
        }

        // keepalived's vrrp_strict drops authentication (RFC 5798 has none), with a warning; kept, a strict keepalived
        // peer and we would not hear each other and both be master.
        if (global.Strict && i.AuthenticationType != VrrpAuthenticationType.None)
        {
            _diagnostics.Warning(authenticationAt ?? section.Keyword, $"vrrp_instance {name}: vrrp_strict does not allow authentication: ignored, as keepalived does");
            i = i with { AuthenticationType = VrrpAuthenticationType.None, AuthenticationPassword = null };
        }

        if (!set.VirtualRouterId)
        {
            _diagnostics.Error(section.Keyword, $"vrrp_instance {name}: virtual_router_id is missing (1 to 255)");
        }

        // keepalived's defaults that depend on other keys (keepalived.conf(5)): IPv6 instances speak VRRPv3, strict mode
        // drops accept unless owner and keeps lower_prio_no_advert, lower-priority GARPs follow the master ones.
        if ((!set.Version && i.VirtualAddresses.Count > 0 && i.VirtualAddresses[0].Address.Contains(':', StringComparison.Ordinal)) || i.NativeIPv6)
        {
            i = i with { Version = VrrpVersion.V3 }; // native_ipv6 forces it, whatever version says
        }

        // keepalived rounds a fractional VRRPv2 interval to whole seconds ("must be an integer. rounding") and ignores
        // authentication on VRRPv3 ("does not support authentication. Ignoring"), each with a warning; refused before.
        if (i.Version == VrrpVersion.V2 && i.AdvertisementInterval.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            var rounded = TimeSpan.FromSeconds(Math.Max(1, Math.Round(i.AdvertisementInterval.TotalSeconds, MidpointRounding.AwayFromZero)));
            _diagnostics.Warning(advertIntAt ?? section.Keyword, string.Create(CultureInfo.InvariantCulture, $"vrrp_instance {name}: a VRRPv2 advert_int must be whole seconds; {i.AdvertisementInterval.TotalSeconds} s rounded to {rounded.TotalSeconds} s, as keepalived does"));
            i = i with { AdvertisementInterval = rounded };
        }

        if (i.Version == VrrpVersion.V3 && i.AuthenticationType != VrrpAuthenticationType.None)
        {
            _diagnostics.Warning(authenticationAt ?? section.Keyword, $"vrrp_instance {name}: VRRPv3 has no authentication: ignored, as keepalived does");
            i = i with { AuthenticationType = VrrpAuthenticationType.None, AuthenticationPassword = null };
        }

        if (!set.Accept)
        {
            i = i with { AcceptMode = !global.Strict || i.Priority == 255 };
        }
        else if (i.AcceptMode && i.Priority != 255 && global.Strict && i.Version == VrrpVersion.V2)
        {
            _diagnostics.Warning(section.Keyword, $"({name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting (keepalived's words)");
            i = i with { AcceptMode = false };
        }

        if (!set.LowerPriorityNoAdvert)
        {
            i = i with { LowerPriorityNoAdvert = global.LowerPriorityNoAdvert ?? global.Strict };
        }

        if (!set.SkipCheckAdvertAddress)
        {
            i = i with { SkipCheckAdvertAddress = global.SkipCheckAdvertAddress };
        }

        if (!set.HigherPrioritySendAdvert)
        {
            i = i with { HigherPrioritySendAdvert = global.HigherPrioritySendAdvert ?? false };
        }

        if (!set.GarpLowerPriorityDelay)
        {
            i = i with { GarpLowerPriorityDelay = global.GarpLowerPriorityDelay ?? i.GarpMasterDelay };
        }

        if (!set.GarpLowerPriorityRepeat)
        {
            i = i with { GarpLowerPriorityRepeat = global.GarpLowerPriorityRepeat ?? i.GarpMasterRepeat };
        }

        return i;
    }

    private KeepalivedInstance BindAuthentication(SyntaxNode section, KeepalivedInstance instance)
    {
        KeepalivedInstance i = instance;
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["auth_type"] = new(1, 1, s =>
            {
                switch (Text(s, 0).ToUpperInvariant())
                {
                    case "PASS": i = i with { AuthenticationType = VrrpAuthenticationType.SimplePassword }; break;
                    case "AH": i = i with { AuthenticationType = VrrpAuthenticationType.IPAuthenticationHeader }; break;
                    default: _diagnostics.Error(s.Arguments[0], $"auth_type must be PASS or AH; got {Text(s, 0)}"); break;
                }
            }, Allowed: "PASS or AH"),
            ["auth_pass"] = new(1, 1, s =>
            {
                string password = Text(s, 0);
                if (Encoding.UTF8.GetByteCount(password) > VrrpAuthentication.MaxKeyLength)
                {
                    // keepalived uses the first 8 bytes and says so; do the same so both ends agree on the key.
                    while (Encoding.UTF8.GetByteCount(password) > VrrpAuthentication.MaxKeyLength)
                    {
                        password = password[..^1];
                    }

                    _diagnostics.Warning(s.Arguments[0], string.Create(CultureInfo.InvariantCulture, $"auth_pass is longer than {VrrpAuthentication.MaxKeyLength} bytes; only the first {VrrpAuthentication.MaxKeyLength} are used ('{password}'), as keepalived does"));
                }

                if (password.Length == 0)
                {
                    _diagnostics.Error(s.Arguments[0], "auth_pass must be 1 to 8 bytes; got an empty password");
                    return;
                }

                i = i with { AuthenticationPassword = password };
            }, Allowed: "1 to 8 characters"),
        };
        Bind(section, rules, "authentication");
        if (i.AuthenticationType != VrrpAuthenticationType.None && i.AuthenticationPassword is null)
        {
            // keepalived runs the instance without authentication (measured: its adverts say "authtype none").
            _diagnostics.Warning(section.Keyword, $"({instance.Name}) Authentication specified but no password given. Ignoring (keepalived's words): the instance runs without authentication");
            i = i with { AuthenticationType = VrrpAuthenticationType.None };
        }

        return i;
    }

    // keepalived checks min_ttl and max_ttl per peer; vrrpd holds one range for the router. Peers that agree (the usual
    // case) are checked exactly; peers that differ get the widest range, with a warning that says so.
    private KeepalivedInstance BindPeers(SyntaxNode section, KeepalivedInstance i)
    {
        var peers = new List<string>(i.UnicastPeers);
        var ranges = new List<(int Min, int Max, Token At)>();
        foreach (List<Token> entry in Entries(section, static option => option is "min_ttl" or "max_ttl" ? 1 : -1))
        {
            // keepalived skips a peer it cannot read ("VRRP parsed invalid IP ... skipping IP"), and runs on.
            if (TryParseSocketAddress(entry[0].Text, out IPAddress address))
            {
                peers.Add(address.ToString());
            }
            else
            {
                _diagnostics.Warning(entry[0], $"{section.Name}: '{entry[0].Text}' is not an IPv4 or IPv6 address: the peer is skipped, as keepalived skips it");
            }

            int min = 0, max = 255;
            for (int k = 1; k + 1 < entry.Count; k += 2)
            {
                if (!int.TryParse(entry[k + 1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out int ttl) || ttl is < 0 or > 255)
                {
                    _diagnostics.Error(entry[k + 1], $"{section.Name}: {entry[k].Text} must be 0 to 255; got '{entry[k + 1].Text}'");
                    continue;
                }

                if (entry[k].Text == "min_ttl")
                {
                    min = ttl;
                }
                else
                {
                    max = ttl;
                }
            }

            if (min > max)
            {
                _diagnostics.Error(entry[0], $"{section.Name}: min_ttl {min} is above max_ttl {max}");
            }

            ranges.Add((min, max, entry[0]));
        }

        if (ranges.Count == 0)
        {
            return i with { UnicastPeers = peers };
        }

        int widestMin = ranges.Min(r => r.Min), widestMax = ranges.Max(r => r.Max);
        if (ranges.Any(r => r.Min != widestMin || r.Max != widestMax) || (i.UnicastPeers.Count > 0 && (i.UnicastMinimumTtl, i.UnicastMaximumTtl) != (widestMin, widestMax)))
        {
            _diagnostics.Warning(section.Keyword, $"{section.Name}: peers with different min_ttl/max_ttl: vrrpd checks one range for every peer, the widest, {widestMin} to {widestMax}");
        }

        return i with { UnicastPeers = peers, UnicastMinimumTtl = widestMin, UnicastMaximumTtl = widestMax };
    }

    // keepalived reads unicast_src_ip, mcast_src_ip and peers with inet_stosockaddr, which cuts a '/MASK' or a
    // '-RANGE' off without a word: '198.51.100.12/32' is the peer 198.51.100.12 (seen in a real AWS configuration).
    private static bool TryParseSocketAddress(string text, out IPAddress address)
    {
        int cut = text.IndexOfAny(['/', '-']);
        return TryParseAddress(cut < 0 ? text : text[..cut], out address);
    }

    // The source runs (VirtualRouterOptions.SourceAddress), IPv4 or IPv6.
    private void BindSource(SyntaxNode s, ref KeepalivedInstance i)
    {
        if (!TryParseSocketAddress(s.Arguments[0].Text, out IPAddress address))
        {
            _diagnostics.Warning(s.Arguments[0], $"{s.Name} '{s.Arguments[0].Text}' is not an IPv4 or IPv6 address: ignored, as keepalived ignores it");
            return;
        }

        // No advert can leave from a multicast address: keepalived runs such a file; vrrpd sends from the interface's.
        if (Packets.PackedIPAddress.FromIPAddress(address).IsMulticast)
        {
            _diagnostics.Warning(s.Arguments[0], $"{s.Name} {address} is a multicast address, which no advert can be sent from: ignored, the interface's address is the source");
            return;
        }


        i = i with { SourceAddress = address.ToString() };
    }

    // static_ipaddress: virtual_ipaddress's entries; one without dev goes on default_interface, keepalived's eth0 when unset.
    // A route to it is not tracked (no instance), and use_vmac means nothing here; no_track only cancels a track_group.
    private List<KeepalivedVirtualAddress> BindStaticAddresses(SyntaxNode section, KeepalivedGlobalDefinitions global)
    {
        var addresses = new List<KeepalivedVirtualAddress>();
        foreach (KeepalivedVirtualAddress address in BindAddresses(section, isStatic: true))
        {
            if (address.TrackGroup is not null && address.NoTrack)
            {
                _diagnostics.Difference(_addressTokens.TryGetValue(address, out Token both) ? both : section.Keyword, "Static address has both track_group and no_track set - not tracking (keepalived's words)");
            }

            if (address.Device is null)
            {
                string device = global.DefaultInterface ?? "eth0";
                _diagnostics.Difference(_addressTokens.TryGetValue(address, out Token at) ? at : section.Keyword, $"static_ipaddress: {address.Address} has no dev: it goes on {device} ({(global.DefaultInterface is null ? "keepalived's default interface when default_interface is unset" : "default_interface")})");
                addresses.Add(address with { Device = device });
            }
            else
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }

    private List<KeepalivedVirtualAddress> BindAddresses(SyntaxNode section, bool isStatic = false)
    {
        var addresses = new List<KeepalivedVirtualAddress>();
        foreach (List<Token> entry in Entries(section, static option => option switch
        {
            "dev" or "label" or "brd" or "broadcast" or "scope" or "peer" or "preferred_lft" or "track_group" => 1,
            "home" or "-nodad" or "mngtmpaddr" or "noprefixroute" or "autojoin" or "no_track" or "use_vmac" => 0,
            _ => -1,
        }))
        {
            Token first = entry[0];
            string text = first.Text;
            int slash = text.IndexOf('/', StringComparison.Ordinal);
            if (!TryParseAddress(slash < 0 ? text : text[..slash], out _) || !VirtualAddress.TryParse(text, out VirtualAddress parsed))
            {
                _diagnostics.Error(first, $"{section.Name}: '{text}' must be an IP address with an optional /prefix (0 to 32 for IPv4, 0 to 128 for IPv6)");
                continue;
            }

            var address = new KeepalivedVirtualAddress(string.Create(CultureInfo.InvariantCulture, $"{IPAddress.Parse(slash < 0 ? text : text[..slash])}/{parsed.PrefixLength}"));
            bool v6 = parsed.Address.Family == System.Net.Sockets.AddressFamily.InterNetworkV6;
            bool valid = true;
            for (int k = 1; k < entry.Count; k++)
            {
                Token option = entry[k];
                bool hasValue = option.Text is "dev" or "label" or "brd" or "broadcast" or "scope" or "peer" or "preferred_lft" or "track_group";
                if (hasValue && k + 1 >= entry.Count)
                {
                    _diagnostics.Error(option, $"{section.Name}: '{option.Text}' needs a value");
                    valid = false;
                    break;
                }

                string value = hasValue ? entry[++k].Text : string.Empty;
                switch (option.Text)
                {
                    case "dev":
                        address = address with { Device = value };
                        break;
                    case "label" when v6:
                        _diagnostics.Warning(option, $"{section.Name}: {address.Address}: an IPv6 address takes no label; the label is ignored, as keepalived does");
                        break;
                    case "label" when value.Length >= 16:
                        _diagnostics.Warning(option, $"{section.Name}: label '{value}' is longer than 15 characters: {address.Address} is removed, as keepalived does");
                        valid = false;
                        break;
                    case "label":
                        address = address with { Label = value };
                        break;
                    case "brd" or "broadcast" when v6:
                        _diagnostics.Warning(option, $"{section.Name}: {address.Address}: an IPv6 address takes no broadcast address: the address is removed, as keepalived does");
                        valid = false;
                        break;
                    case "brd" or "broadcast":
                        if (value is "+" or "-" && parsed.PrefixLength > 30)
                        {
                            _diagnostics.Warning(entry[k], $"{section.Name}: {address.Address}: prefix /{parsed.PrefixLength} is too long for a broadcast address; none is set, as keepalived does");
                        }
                        else if (value is not ("+" or "-") && (!TryParseAddress(value, out IPAddress broadcast) || broadcast.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
                        {
                            _diagnostics.Warning(entry[k], $"{section.Name}: brd '{value}' is not an IPv4 address, + or -: {address.Address} is removed, as keepalived does");
                            valid = false;
                        }
                        else
                        {
                            address = address with { Broadcast = value };
                        }

                        break;
                    case "scope":
                        if (Array.IndexOf(s_scopes, value) < 0 && !byte.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                        {
                            _diagnostics.Warning(entry[k], $"{section.Name}: scope '{value}' is none of global, site, link, host, nowhere or 0 to 255: ignored, as keepalived does");
                        }
                        else if (v6 && value is not ("global" or "0"))
                        {
                            _diagnostics.Warning(option, $"{section.Name}: {address.Address}: an IPv6 address takes no scope; the scope is ignored, as keepalived does");
                        }
                        else
                        {
                            address = address with { Scope = value };
                        }

                        break;
                    case "no_track":
                        address = address with { NoTrack = true };
                        break;
                    case "track_group" when !isStatic:
                        _diagnostics.Warning(option, $"Unknown configuration entry 'track_group' for ip address - ignoring (keepalived's words: only a static address takes one)");
                        break;
                    case "track_group" when address.TrackGroup is not null:
                        _diagnostics.Warning(entry[k], $"track_group {value} is a duplicate (keepalived's words): ignored");
                        break;
                    case "track_group" when !_trackGroups.Any(g => g.Name == value):
                        _diagnostics.Warning(entry[k], $"track_group {value} not found (keepalived's words: a track_group is found only above its use): {address.Address} is not tracked");
                        break;
                    case "track_group":
                        address = address with { TrackGroup = value };
                        break;
                    case "peer" when address.Peer is not null:
                        _diagnostics.Warning(entry[k], $"{section.Name}: Peer {value} - another peer has already been specified (keepalived's words): ignored");
                        break;
                    case "peer":
                        int peerSlash = value.IndexOf('/', StringComparison.Ordinal);
                        if (!TryParseAddress(peerSlash < 0 ? value : value[..peerSlash], out IPAddress peer) || !VirtualAddress.TryParse(value, out VirtualAddress peerParsed) || (peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) != v6)
                        {
                            _diagnostics.Warning(entry[k], $"{section.Name}: peer '{value}' is not an address of {address.Address}'s family: ignored, as keepalived does");
                            break;
                        }

                        // keepalived: the address takes the peer's prefix; a prefix of its own is ignored, with a warning.
                        if (parsed.PrefixLength != (v6 ? 128 : 32))
                        {
                            _diagnostics.Warning(option, $"{section.Name}: Cannot specify address prefix when specifying peer address - ignoring (keepalived's words)");
                        }

                        address = address with { Address = string.Create(CultureInfo.InvariantCulture, $"{parsed.Address}/{peerParsed.PrefixLength}"), Peer = peer.ToString() };
                        break;
                    case "preferred_lft":
                        if (value != "forever" && !uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                        {
                            _diagnostics.Warning(entry[k], $"{section.Name}: preferred_lft {value} is invalid (keepalived's words): ignored");
                        }
                        else
                        {
                            if (!v6)
                            {
                                _diagnostics.Difference(option, $"{section.Name}: {address.Address}: preferred_lft applies to IPv6 addresses; ignored here, as keepalived sets it on IPv6 only");
                            }

                            address = address with { PreferredLifetime = value };
                        }

                        break;
                    case "noprefixroute" or "home" or "mngtmpaddr" or "autojoin" or "-nodad":
                        address = address with { Flags = [.. address.Flags, option.Text] };
                        break;
                    default:
                        _diagnostics.Difference(option, $"{section.Name}: '{option.Text}' is not supported here; ignored");
                        break;
                }
            }

            if (valid && address.Peer is not null && address.Broadcast is not null)
            {
                _diagnostics.Warning(first, $"{section.Name}: Cannot specify broadcast and peer addresses - ignoring broadcast address (keepalived's words)");
                address = address with { Broadcast = null };
            }

            if (valid)
            {
                addresses.Add(address);
                _addressTokens[address] = first;
            }
        }

        return addresses;
    }

    private List<KeepalivedTrack> BindTracks(SyntaxNode section, int minWeight, int maxWeight, HashSet<string>? defined, string? definedBy)
    {
        var tracks = new List<KeepalivedTrack>();
        foreach (List<Token> entry in Entries(section, static option => option switch
        {
            "weight" => 1,
            "reverse" or "noreverse" or "no_reverse" => 0,
            _ => -1,
        }))
        {
            var track = new KeepalivedTrack(entry[0].Text);
            bool valid = true;
            if (defined is not null && !defined.Contains(track.Name))
            {
                _diagnostics.Error(entry[0], $"{section.Name} names '{track.Name}', which is no {definedBy}");
                valid = false;
            }

            for (int k = 1; k < entry.Count; k++)
            {
                Token option = entry[k];
                if (option.Text == "weight")
                {
                    if (k + 1 >= entry.Count)
                    {
                        _diagnostics.Error(option, string.Create(CultureInfo.InvariantCulture, $"{section.Name} {track.Name}: weight needs a value: {minWeight} to {maxWeight}"));
                        valid = false;
                        break;
                    }

                    Token value = entry[++k];
                    if (int.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int weight) && weight >= minWeight && weight <= maxWeight)
                    {
                        track = track with { Weight = weight };
                    }
                    else
                    {
                        _diagnostics.Error(value, string.Create(CultureInfo.InvariantCulture, $"{section.Name} {track.Name}: weight must be {minWeight} to {maxWeight}; got {value.Text}"));
                        valid = false;
                    }
                }
                else
                {
                    track = track with { Reverse = option.Text == "reverse" };
                }
            }

            if (valid)
            {
                tracks.Add(track);
            }
        }

        return tracks;
    }

    // One route per line, as keepalived reads virtual_routes: one it cannot hold is dropped with a warning, as keepalived
    // drops it with a configuration error.
    private List<string> BindRoutes(SyntaxNode section)
    {
        var routes = new List<string>();
        foreach (SyntaxNode line in section.Block ?? [])
        {
            List<string> words = [line.Keyword.Text, .. line.Arguments.Select(static t => t.Text)];
            int protocol = words.IndexOf("protocol");
            if (protocol > 0 && protocol + 1 < words.Count && !words.Contains("no_track"))
            {
                // keepalived too gives a tracked route its own protocol (18), and says so unless it was named; vrrpd's
                // own is 118, how it knows its routes.
                if (words[protocol + 1] is "keepalived" or "18")
                {
                    _diagnostics.Difference(line.Keyword, $"{section.Name}: protocol {words[protocol + 1]}: vrrpd's routes carry its own protocol, 118");
                }
                else
                {
                    _diagnostics.Warning(line.Keyword, $"{section.Name}: Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol (keepalived's words): protocol {words[protocol + 1]} is not set; the route carries vrrpd's own, 118");
                }

                words.RemoveRange(protocol, 2);
            }

            if (!TakeTrackGroup(line, section, words, "route", out string? trackGroup))
            {
                continue; // a second track_group: keepalived drops the route
            }

            int feature = words.IndexOf("features");
            if (feature > 0 && feature + 1 < words.Count && words[feature + 1] != "ecn")
            {
                // keepalived reports it and keeps the route without it.
                _diagnostics.Warning(line.Keyword, $"feature {words[feature + 1]} not supported (keepalived's words): the route is added without it");
                words.RemoveRange(feature, 2);
            }

            string text = string.Join(' ', words);
            if (!Routing.VirtualRoute.TryParse(text, out Routing.VirtualRoute route, out string? error))
            {
                _diagnostics.Warning(line.Keyword, $"{section.Name}: route '{text}' {error}: the route is dropped");
                continue;
            }

            if (route.Device is null && !route.NoTrack)
            {
                // keepalived's words: it says so and does not track the route (a static one is not put back either).
                _diagnostics.Warning(line.Keyword, $"{section.Name}: cannot track route {route} with no interface specified, not tracking (as keepalived)");
            }

            if (trackGroup is not null && route.Device is null)
            {
                _diagnostics.Warning(line.Keyword, "Static route cannot have track group if no oif specified (keepalived's words): the route is held, not tracked");
                trackGroup = null;
            }
            else if (trackGroup is not null && route.NoTrack)
            {
                _diagnostics.Warning(line.Keyword, "Static route has both track_group and no_track set - not tracking (keepalived's words)");
            }

            routes.Add(trackGroup is null ? text : $"{text} track_group {trackGroup}");
        }

        return routes;
    }

    // keepalived's track_group on a static route or rule: its group's instances track the route's dev (the rule's iif),
    // weight 0. Taken out of the words the kernel gets; the group is given when it is defined above the line, as
    // keepalived finds it. On a virtual route or rule keepalived does not know the word, and drops the entry as the
    // parser here does (the word is left to it). False when keepalived drops the entry: a route with a second
    // track_group ("Route has trailing nonsense"); a rule's is read up to the second one, as keepalived stops there.
    private bool TakeTrackGroup(SyntaxNode line, SyntaxNode section, List<string> words, string what, out string? group)
    {
        group = null;
        int at = words.IndexOf("track_group");
        if (at < 0 || section.Name is not ("static_routes" or "static_rules"))
        {
            return true;
        }

        string? name = at + 1 < words.Count ? words[at + 1] : null;
        int again = name is null ? -1 : words.IndexOf("track_group", at + 2);
        if (again > 0 && what == "route")
        {
            _diagnostics.Warning(line.Keyword, $"track_group {(again + 1 < words.Count ? words[again + 1] : string.Empty)} is a duplicate; Route has trailing nonsense - {words[again]} (keepalived's words): the route is dropped, as keepalived drops it");
            return false;
        }

        if (again > 0)
        {
            string rest = string.Join(' ', words.Skip(again));
            _diagnostics.Warning(line.Keyword, $"track_group {(again + 1 < words.Count ? words[again + 1] : string.Empty)} is a duplicate (keepalived's words): '{rest}' is not read, as keepalived stops there");
            words.RemoveRange(again, words.Count - again);
        }

        words.RemoveRange(at, name is null ? 1 : 2);
        if (name is null || !_trackGroups.Any(g => g.Name == name))
        {
            _diagnostics.Warning(line.Keyword, $"track_group {name} not found (keepalived's words: a track_group is found only above its use): the {what} is held, not tracked");
            return true;
        }

        group = name;
        return true;
    }

    // One rule per line, as keepalived reads virtual_rules. A rule without a priority gets keepalived's: 16384 for the first
    // of its family in the file, then one less for each next one, with keepalived's warning.
    private List<string> BindRules(SyntaxNode section)
    {
        var rules = new List<string>();
        foreach (SyntaxNode line in section.Block ?? [])
        {
            List<string> ruleWords = [line.Keyword.Text, .. line.Arguments.Select(static t => t.Text)];
            _ = TakeTrackGroup(line, section, ruleWords, "rule", out string? trackGroup); // a rule is never dropped for it
            string text = string.Join(' ', ruleWords);
            if (!Routing.VirtualRule.TryParse(text, out Routing.VirtualRule rule, out string? error))
            {
                _diagnostics.Warning(line.Keyword, $"{section.Name}: rule '{text}' {error}: the rule is dropped");
                continue;
            }

            if (rule.Priority is null)
            {
                bool v6 = rule.Family == System.Net.Sockets.AddressFamily.InterNetworkV6;
                uint priority = v6 ? _nextRulePriority6-- : _nextRulePriority4--;
                _diagnostics.Warning(line.Keyword, string.Create(CultureInfo.InvariantCulture, $"{section.Name}: rule has no preference specified - setting to {priority}, as keepalived does. This is probably not what you want."));
                text += string.Create(CultureInfo.InvariantCulture, $" priority {priority}");
            }

            if (trackGroup is not null && rule.InputInterface is null)
            {
                _diagnostics.Warning(line.Keyword, "Static rule cannot have track_group if dev/iif not specified (keepalived's words): the rule is held, not tracked");
                trackGroup = null;
            }
            else if (trackGroup is not null && rule.NoTrack)
            {
                _diagnostics.Warning(line.Keyword, "Static rule has both track_group and no_track set - not tracking (keepalived's words)");
            }

            rules.Add(trackGroup is null ? text : $"{text} track_group {trackGroup}");
        }

        return rules;
    }

    // The entries of a list block: each line, and within a line each word that is not an option (or an option's value), starts an entry.
    private List<List<Token>> Entries(SyntaxNode section, Func<string, int> optionValues)
    {
        var entries = new List<List<Token>>();
        foreach (SyntaxNode line in section.Block ?? [])
        {
            if (line.Block is not null)
            {
                _diagnostics.Warning(line.Keyword, $"{section.Name}: '{line.Name}' takes no '{{ }}' block; the block is ignored");
            }

            List<Token>? entry = null;
            var words = new List<Token>(line.Arguments.Count + 1) { line.Keyword };
            words.AddRange(line.Arguments);
            for (int k = 0; k < words.Count; k++)
            {
                int values = entry is null ? -1 : optionValues(words[k].Text);
                if (values < 0)
                {
                    entry = [words[k]];
                    entries.Add(entry);
                    continue;
                }

                entry!.Add(words[k]);
                if (values == 1 && k + 1 < words.Count)
                {
                    entry.Add(words[++k]);
                }
            }
        }

        return entries;
    }
}
