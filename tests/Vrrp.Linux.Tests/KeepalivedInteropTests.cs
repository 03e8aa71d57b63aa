using System.Text.RegularExpressions;

namespace Vrrp.Linux.Tests;

/// <summary>
/// Mixed clusters with real keepalived (Debian's package), in both directions: each side must accept the other's
/// packets, agree on one master, and fail over to the other. keepalived must log no complaint about our packets.
/// </summary>
public sealed partial class KeepalivedInteropTests(ITestOutputHelper output)
{
    public static TheoryData<string> Modes() => ["v3", "v3-unicast", "v3-ipv6", "v2", "v2-pass", "v2-ah"];

    // Both sides carry the same IPv6 list, led by a link-local address (RFC 9568 §5.2.9): keepalived drops adverts whose
    // address count differs from its own, though VRRPv3 only asks to log a mismatch.
    private static string Vip(string mode) => mode == "v3-ipv6" ? "2001:db8:51::100" : Daemon.VirtualAddress;

    private static string OurAddresses(string mode) => mode == "v3-ipv6" ? "\"fe80::51:100/64\", \"2001:db8:51::100/64\"" : $"\"{Daemon.VirtualAddress}/24\"";

    [Theory]
    [MemberData(nameof(Modes))]
    public void Keepalived_master_with_our_backup_then_keepalived_stops_and_ours_takes_over(string mode)
    {
        NetnsLab.RequireRoot("keepalived", "ping");
        using NetnsLab lab = NetnsLab.Create("n1", "n2", "c");
        LabProcess keepalived = StartKeepalived(lab, "n1", 100, mode, self: NetnsLab.HostAddress(0), peer: NetnsLab.HostAddress(1));
        Assert.True(keepalived.WaitFor("Entering MASTER STATE", TimeSpan.FromSeconds(10)) is not null, keepalived.Output);
        LabProcess ours = Daemon.Start(lab, "n2", 90, IntervalMs(mode), Extra(mode, peer: NetnsLab.HostAddress(0)), OurAddresses(mode));

        Thread.Sleep(TimeSpan.FromMilliseconds(IntervalMs(mode) * 5));
        Assert.False(ours.Output.Contains("-> Master", StringComparison.Ordinal), "ours should stay backup:\n" + ours.Output + "\n" + keepalived.Output);
        Assert.True(lab.HasAddress("n1", Vip(mode)));
        Assert.False(lab.HasAddress("n2", Vip(mode)));
        Assert.True(lab.Ping("c", Vip(mode)));

        DateTimeOffset fault = DateTimeOffset.UtcNow;
        keepalived.Signal("TERM");
        DateTimeOffset? takeover = ours.WaitFor("Backup -> Master", TimeSpan.FromSeconds(10), fault);
        Assert.True(takeover is not null, ours.Output + "\n" + keepalived.Output);
        output.WriteLine($"{mode}: keepalived stopped, ours took over after {(takeover.Value - fault).TotalMilliseconds:F0} ms");
        Assert.True(NetnsLab.WaitUntil(() => lab.HasAddress("n2", Vip(mode))));
        AssertNoComplaints(keepalived);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Our_master_with_a_keepalived_backup_then_ours_stops_and_keepalived_takes_over(string mode)
    {
        NetnsLab.RequireRoot("keepalived", "ping");
        using NetnsLab lab = NetnsLab.Create("n1", "n2", "c");
        LabProcess ours = Daemon.Start(lab, "n1", 100, IntervalMs(mode), Extra(mode, peer: NetnsLab.HostAddress(1)), OurAddresses(mode));
        Assert.True(ours.WaitFor("-> Master", TimeSpan.FromSeconds(10)) is not null, ours.Output);
        LabProcess keepalived = StartKeepalived(lab, "n2", 90, mode, self: NetnsLab.HostAddress(1), peer: NetnsLab.HostAddress(0));

        Assert.True(keepalived.WaitFor("Entering BACKUP STATE", TimeSpan.FromSeconds(10)) is not null, keepalived.Output);
        Thread.Sleep(TimeSpan.FromMilliseconds(IntervalMs(mode) * 5));
        Assert.False(keepalived.Output.Contains("Entering MASTER STATE", StringComparison.Ordinal), "keepalived should stay backup:\n" + keepalived.Output + "\n" + ours.Output);
        Assert.True(lab.HasAddress("n1", Vip(mode)));
        Assert.False(lab.HasAddress("n2", Vip(mode)));

        DateTimeOffset fault = DateTimeOffset.UtcNow;
        ours.Signal("TERM");
        Assert.True(keepalived.WaitFor("Entering MASTER STATE", TimeSpan.FromSeconds(10), fault) is not null, keepalived.Output);
        Assert.True(NetnsLab.WaitUntil(() => lab.HasAddress("n2", Vip(mode))));
        Assert.True(NetnsLab.WaitUntil(() => lab.Ping("c", Vip(mode))));
        AssertNoComplaints(keepalived);
    }

    [Fact]
    public void Vrrpv2_without_virtual_addresses_keepalived_and_ours_hear_each_other_both_ways()
    {
        // keepalived 2.2.7 sends a VRRPv2 instance without virtual addresses (notify scripts only, as for a cloud's
        // floating IP) with an address count of 0, and drops an advert whose count differs from its own ("received an
        // unexpected ip number count 1, expected 0"). Before: ours sent its primary address (count 1) and refused
        // count 0, so each side was master beside the other. The differential harness showed the count.
        NetnsLab.RequireRoot("keepalived");
        using NetnsLab lab = NetnsLab.Create("n1", "n2");
        LabProcess keepalived = StartKeepalived(lab, "n1", 100, "v2-novip", self: NetnsLab.HostAddress(0), peer: NetnsLab.HostAddress(1));
        Assert.True(keepalived.WaitFor("Entering MASTER STATE", TimeSpan.FromSeconds(10)) is not null, keepalived.Output);
        LabProcess ours = Daemon.Start(lab, "n2", 90, 1000, Extra("v2", peer: NetnsLab.HostAddress(0)), addresses: "");
        Thread.Sleep(5000);
        Assert.False(ours.Output.Contains("-> Master", StringComparison.Ordinal), "ours should stay backup:\n" + ours.Output + "\n" + keepalived.Output);

        // Ours master now; a keepalived of lower priority started beside it stays backup.
        keepalived.Signal("TERM");
        Assert.True(ours.WaitFor("Backup -> Master", TimeSpan.FromSeconds(10)) is not null, ours.Output);
        Assert.True(keepalived.WaitForExit(TimeSpan.FromSeconds(10)));
        LabProcess again = StartKeepalived(lab, "n1", 80, "v2-novip", self: NetnsLab.HostAddress(0), peer: NetnsLab.HostAddress(1));
        Assert.True(again.WaitFor("Entering BACKUP STATE", TimeSpan.FromSeconds(10)) is not null, again.Output);
        Thread.Sleep(5000);
        Assert.False(again.Output.Contains("Entering MASTER STATE", StringComparison.Ordinal), "keepalived should stay backup:\n" + again.Output + "\n" + ours.Output);
        AssertNoComplaints(again);
    }

    private static int IntervalMs(string mode) => mode.StartsWith("v2", StringComparison.Ordinal) ? 1000 : 100;

    private static string Extra(string mode, string peer) => mode switch
    {
        "v3-unicast" => $$""", "unicastPeers": ["{{peer}}"] """,
        "v2" => """, "version": "V2" """,
        "v2-pass" => """, "version": "V2", "authenticationType": "SimplePassword", "authenticationPassword": "labpass" """,
        "v2-ah" => """, "version": "V2", "authenticationType": "IPAuthenticationHeader", "authenticationPassword": "labpass" """,
        _ => string.Empty,
    };

    private static LabProcess StartKeepalived(NetnsLab lab, string host, int priority, string mode, string self, string peer)
    {
        string unicast = mode == "v3-unicast" ? $"unicast_src_ip {self}\n    unicast_peer {{\n        {peer}\n    }}" : string.Empty;
        string version = mode.StartsWith("v2", StringComparison.Ordinal) ? "2" : "3";
        string interval = version == "2" ? "1" : "0.1";
        string authentication = mode switch
        {
            "v2-pass" => "authentication {\n        auth_type PASS\n        auth_pass labpass\n    }",
            "v2-ah" => "authentication {\n        auth_type AH\n        auth_pass labpass\n    }",
            _ => string.Empty,
        };
        string directory = Path.Combine(Path.GetTempPath(), lab.Namespace(host));
        Directory.CreateDirectory(directory);
        string conf = Path.Combine(directory, "keepalived.conf");
        File.WriteAllText(conf, $$"""
            global_defs {
                router_id {{host}}
                vrrp_version {{version}}
            }
            vrrp_instance VI_51 {
                interface lab0
                state BACKUP
                virtual_router_id 51
                priority {{priority}}
                advert_int {{interval}}
                version {{version}}
                {{(mode == "v3-ipv6" ? "native_ipv6" : string.Empty)}}
                {{authentication}}
                {{unicast}}
                {{(mode == "v2-novip" ? string.Empty : $"virtual_ipaddress {{\n        {(mode == "v3-ipv6" ? "fe80::51:100/64 dev lab0\n        2001:db8:51::100/64" : Daemon.VirtualAddress + "/24")} dev lab0\n    }}")}}
            }
            """);
        return lab.Start(host, "keepalived", "-n", "-l", "-D", "-P", "-f", conf, "-p", Path.Combine(directory, "keepalived.pid"), "-r", Path.Combine(directory, "vrrp.pid"));
    }

    private static void AssertNoComplaints(LabProcess keepalived)
    {
        string[] complaints = keepalived.Output.Split('\n').Where(l => Complaint().IsMatch(l)).ToArray();
        Assert.True(complaints.Length == 0, "keepalived complained:\n" + string.Join("\n", complaints));
    }

    [GeneratedRegex("invalid|mismatch|bad |error|discard|unknown", RegexOptions.IgnoreCase)]
    private static partial Regex Complaint();
}
