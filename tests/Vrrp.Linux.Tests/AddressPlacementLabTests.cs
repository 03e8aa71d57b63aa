using System.Globalization;
using System.Text.Json;

namespace Vrrp.Linux.Tests;

/// <summary>
/// A keepalived.conf's address options on a real kernel: each address lands on its dev with its label, scope and
/// broadcast address, and leaves from there; a dev other than the instance's interface is tracked unless no_track.
/// Before: the options were read and warned "not run"; every address went on lab0, global, with no label or broadcast.
/// </summary>
public sealed class AddressPlacementLabTests
{
    private static LabProcess Start(NetnsLab lab, string host, string addresses, string excluded = "", string extra = "")
    {
        string directory = Path.Combine(Path.GetTempPath(), lab.Namespace("files"));
        Directory.CreateDirectory(directory);
        string conf = Path.Combine(directory, $"{host}.conf");
        File.WriteAllText(conf, string.Create(CultureInfo.InvariantCulture, $$"""
            vrrp_instance VI_1 {
                interface lab0
                virtual_router_id 51
                priority 100
                advert_int 0.1
                {{extra}}
                virtual_ipaddress {
                    {{addresses}}
                }
                virtual_ipaddress_excluded {
                    {{excluded}}
                }
            }
            """));
        LabProcess process = lab.Start(host, "dotnet", Path.Combine(AppContext.BaseDirectory, "vrrpd.dll"), "-f", conf, "--require-netns", "--control", Daemon.ControlSocket(lab, host));
        Assert.True(process.WaitFor("ready", TimeSpan.FromSeconds(20)) is not null, $"vrrpd in {host} did not start: {process.Output}");
        return process;
    }

    // The IPv4 addresses on an interface as the kernel reports them: local -> (prefix, label, scope, broadcast).
    private static Dictionary<string, (int Prefix, string? Label, string Scope, string? Broadcast)> Addresses(NetnsLab lab, string host, string device)
    {
        using JsonDocument json = JsonDocument.Parse(lab.Exec(host, $"ip -4 -j addr show dev {device}"));
        var found = new Dictionary<string, (int, string?, string, string?)>(StringComparer.Ordinal);
        foreach (JsonElement info in json.RootElement.EnumerateArray().Where(l => l.TryGetProperty("addr_info", out _)).SelectMany(l => l.GetProperty("addr_info").EnumerateArray()))
        {
            found[info.GetProperty("local").GetString()!] = (
                info.GetProperty("prefixlen").GetInt32(),
                info.TryGetProperty("label", out JsonElement label) ? label.GetString() : null,
                info.GetProperty("scope").GetString()!,
                info.TryGetProperty("broadcast", out JsonElement broadcast) ? broadcast.GetString() : null);
        }

        return found;
    }

    [Fact]
    public void Each_address_goes_on_its_dev_with_its_label_scope_and_broadcast_and_leaves_from_there()
    {
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        lab.AddSideLink("n1");
        LabProcess n1 = Start(
            lab,
            "n1",
            "198.51.100.100/24 label lab0:vip brd +\n        198.51.100.150/32 dev side0 label side0:b\n        198.51.100.160/24 scope site",
            "203.0.113.5/24 dev side0 scope link brd -");
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);

        Assert.True(NetnsLab.WaitUntil(() => Addresses(lab, "n1", "side0").Count == 2), lab.Exec("n1", "ip addr"));
        var lab0 = Addresses(lab, "n1", "lab0");
        var side0 = Addresses(lab, "n1", "side0");
        Assert.True(lab0.ContainsKey("198.51.100.100"), lab.Exec("n1", "ip addr show dev lab0") + n1.Output);
        Assert.Equal((24, "lab0:vip", "global", "198.51.100.255"), lab0["198.51.100.100"]);

        // The kernel refuses an IPv4 address whose scope differs from its subnet's primary address (lab0's own,
        // global): said, not silent.
        Assert.True(n1.WaitFor("error: adding 198.51.100.160/24 on lab0 failed: errno 22", TimeSpan.FromSeconds(2)) is not null, n1.Output);
        Assert.False(lab0.ContainsKey("198.51.100.160"));
        Assert.Equal((32, "side0:b", "global", (string?)null), side0["198.51.100.150"]);
        Assert.Equal((24, "side0", "link", "203.0.113.0"), side0["203.0.113.5"]); // no label given: the kernel's, the interface name
        Assert.False(lab0.ContainsKey("198.51.100.150"));

        n1.Signal("TERM");
        Assert.True(n1.WaitForExit(TimeSpan.FromSeconds(10)), n1.Output);
        Assert.False(Addresses(lab, "n1", "lab0").ContainsKey("198.51.100.100"), lab.Exec("n1", "ip addr"));
        Assert.Empty(Addresses(lab, "n1", "side0"));
    }

    [Fact]
    public void An_addresses_dev_going_down_puts_the_master_in_fault_unless_no_track()
    {
        // Input: n1 master with .150 on side0 (tracked, as keepalived tracks it) and .151 on quiet0 (no_track); quiet0
        // goes down, then side0.
        // Expected: quiet0 going down changes nothing; side0 going down puts n1 in Fault; back up, n1 is master again.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        foreach (string pair in new[] { "side0 type veth peer name side1", "quiet0 type veth peer name quiet1" })
        {
            lab.Exec("n1", $"ip link add {pair}");
        }

        foreach (string link in new[] { "side1", "side0", "quiet1", "quiet0" })
        {
            lab.Exec("n1", $"ip link set {link} up");
        }

        LabProcess n1 = Start(lab, "n1", "198.51.100.100/24\n        198.51.100.150/32 dev side0\n        198.51.100.151/32 dev quiet0 no_track");
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);

        DateTimeOffset quietDown = DateTimeOffset.UtcNow;
        lab.Exec("n1", "ip link set quiet0 down");
        Assert.True(n1.WaitFor("Master -> Fault", TimeSpan.FromSeconds(2), quietDown) is null, n1.Output);

        DateTimeOffset sideDown = DateTimeOffset.UtcNow;
        lab.Exec("n1", "ip link set side0 down");
        Assert.True(n1.WaitFor("Master -> Fault", TimeSpan.FromSeconds(5), sideDown) is not null, n1.Output);

        DateTimeOffset sideUp = DateTimeOffset.UtcNow;
        lab.Exec("n1", "ip link set side0 up");
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5), sideUp) is not null, n1.Output);
    }

    [Fact]
    public void An_ipv6_slash_128_virtual_address_is_deprecated_as_keepalived_makes_it_and_a_slash_64_is_not()
    {
        // keepalived gives an IPv6 /128 virtual address a preferred lifetime of 0 unless told otherwise, so that the
        // host does not use it as the source of its own connections. Before: both were preferred.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        LabProcess n1 = Daemon.Start(lab, "n1", 100, addresses: "\"2001:db8:51::100/128\", \"2001:db8:51::101/64\"");
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        Assert.True(NetnsLab.WaitUntil(() => lab.Exec("n1", "ip -6 addr show dev lab0").Contains("2001:db8:51::101/64", StringComparison.Ordinal)));

        string shown = lab.Exec("n1", "ip -6 addr show dev lab0");
        string slash128 = shown[shown.IndexOf("2001:db8:51::100/128", StringComparison.Ordinal)..];
        string slash64 = shown[shown.IndexOf("2001:db8:51::101/64", StringComparison.Ordinal)..];
        Assert.Contains("preferred_lft 0sec", slash128.Split('\n')[1], StringComparison.Ordinal);
        Assert.Contains("preferred_lft forever", slash64.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_on_another_interface_is_announced_there_from_that_interface_s_mac()
    {
        // Input: n1 master with 198.51.100.150 dev side0; a capture on side0's peer. Before (seen by the differential
        // harness): the gratuitous ARPs left from lab0, with lab0's MAC, where no neighbour of that address is.
        // Expected: they arrive on side0's link, from side0's MAC, as keepalived sends them.
        NetnsLab.RequireRoot("tcpdump");
        using NetnsLab lab = NetnsLab.Create("n1");
        string mac = lab.AddSideLink("n1");
        LabProcess capture = lab.Start("n1", "tcpdump", "-i", "side1", "-n", "-e", "-c", "1", "-l", "arp and host 198.51.100.150");
        Assert.True(capture.WaitFor("listening on", TimeSpan.FromSeconds(10)) is not null, capture.Output);

        LabProcess n1 = Start(lab, "n1", "198.51.100.100/24\n        198.51.100.150/32 dev side0");
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);

        Assert.True(capture.WaitForExit(TimeSpan.FromSeconds(10)), "no gratuitous ARP on side0's link: " + capture.Output);
        Assert.Contains(mac, capture.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Garp_extra_if_all_announces_the_address_on_another_interface_there_every_period_while_master()
    {
        // Input: n1 master with 198.51.100.150 dev side0, one gratuitous ARP on becoming master and none 5 s later
        // (garp_master_repeat 1, garp_master_delay 0), garp_extra_if all 1. Before: the keyword was warned "not run",
        // and side0's link saw the one ARP only. Expected: one more each second, from side0's MAC.
        NetnsLab.RequireRoot("tcpdump");
        using NetnsLab lab = NetnsLab.Create("n1");
        string mac = lab.AddSideLink("n1");
        LabProcess capture = lab.Start("n1", "tcpdump", "-i", "side1", "-n", "-e", "-c", "4", "-l", "arp and host 198.51.100.150");
        Assert.True(capture.WaitFor("listening on", TimeSpan.FromSeconds(10)) is not null, capture.Output);

        LabProcess n1 = Start(lab, "n1", "198.51.100.100/24\n        198.51.100.150/32 dev side0", extra: "garp_master_repeat 1\n    garp_master_delay 0\n    garp_extra_if all 1");
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);

        Assert.True(capture.WaitForExit(TimeSpan.FromSeconds(8)), "fewer than 4 gratuitous ARPs on side0's link in 8 s: " + capture.Output);
        Assert.Equal(4, capture.Output.Split('\n').Count(l => l.Contains(mac, StringComparison.OrdinalIgnoreCase) && l.Contains("198.51.100.150", StringComparison.Ordinal)));
    }
}
