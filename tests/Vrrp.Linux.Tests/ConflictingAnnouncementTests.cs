using System.Text.RegularExpressions;

namespace Vrrp.Linux.Tests;

/// <summary>
/// A master that sees another MAC announce its address answers it: the gratuitous-ARP race of the namespace fault
/// run (a backup that took over and yielded, its ARPs the last the clients heard), played with a host that sends
/// such ARPs on purpose.
/// </summary>
public sealed partial class ConflictingAnnouncementTests(ITestOutputHelper output)
{
    private const string IntruderMac = "02:00:5e:51:00:99";
    private const string MasterMac = "02:00:00:00:00:0b";

    // Five gratuitous ARPs (requests, spa = tpa) from the intruder's MAC, as a new master sends them.
    private const string GarpScript = """
        import socket, sys
        ifname, mac, ip = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), socket.inet_aton(sys.argv[3])
        frame = b'\xff' * 6 + mac + b'\x08\x06' + b'\x00\x01\x08\x00\x06\x04\x00\x01' + mac + ip + b'\xff' * 6 + ip
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifname, 0))
        for _ in range(5):
            s.send(frame)
        """;

    // Five unsolicited neighbour advertisements (R and O flags, target link-layer address option) to ff02::1 with hop
    // limit 255, as a new master sends them; the kernel fills in the ICMPv6 checksum.
    private const string UnsolicitedNaScript = """
        import socket, sys
        ifname, mac, ip = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), socket.inet_pton(socket.AF_INET6, sys.argv[3])
        message = bytes([136, 0, 0, 0, 0xa0, 0, 0, 0]) + ip + bytes([2, 1]) + mac
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
        for _ in range(5):
            s.sendto(message, ('ff02::1', 0, 0, socket.if_nametoindex(ifname)))
        """;

    [Theory]
    [InlineData("ipv4", true)]
    [InlineData("ipv4", false)]
    [InlineData("ipv6", true)]
    [InlineData("ipv6", false)]
    public void A_master_answers_another_macs_announcement_of_its_address_so_the_client_comes_back(string family, bool answer)
    {
        // Input: vrrpd in n1 is master of the virtual address (100 ms interval) and has been for 0.5 s; host x sends five
        // announcements claiming it at 02:00:5e:51:00:99 (gratuitous ARPs for IPv4, unsolicited NAs for IPv6).
        // Expected: n1 counts five conflicting announcements and, one interval later, announces again, so the client's
        // entry is n1's MAC 1 s later; with answers off it stays x's.
        NetnsLab.RequireRoot("ping", "python3");
        bool ipv6 = family == "ipv6";
        string address = ipv6 ? "2001:db8:51::100" : Daemon.VirtualAddress;
        using NetnsLab lab = NetnsLab.Create("n1", "x", "c");
        string settings = ", \"garpMasterDelay\": \"00:00:00\"" + (answer ? string.Empty : ", \"answerConflictingAnnouncements\": false");
        LabProcess n1 = ipv6
            ? Daemon.Start(lab, "n1", 100, extra: settings, addresses: "\"fe80::51:100/64\", \"2001:db8:51::100/64\"")
            : Daemon.Start(lab, "n1", 100, extra: settings);
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        Thread.Sleep(500); // a claim: master for more than Master_Down_Interval
        Assert.True(NetnsLab.WaitUntil(() => lab.Ping("c", address)), n1.Output);
        Assert.Equal(MasterMac, lab.Neighbor("c", address));

        string script = Path.Combine(Path.GetTempPath(), $"announce-{lab.Namespace("x")}.py");
        File.WriteAllText(script, ipv6 ? UnsolicitedNaScript : GarpScript);
        try
        {
            lab.Exec("x", $"python3 {script} lab0 {IntruderMac} {address}");
        }
        finally
        {
            File.Delete(script);
        }

        Assert.True(NetnsLab.WaitUntil(() => Conflicts(lab) >= 5), Daemon.Control(lab, "n1", "--json status"));
        Thread.Sleep(1000);
        string? neighbour = lab.Neighbor("c", address);
        output.WriteLine($"{family}, answers {(answer ? "on" : "off")}: n1 counted {Conflicts(lab)} conflicting announcements; the client's entry 1 s later: {neighbour}");
        Assert.Equal(answer ? MasterMac : IntruderMac, neighbour);
        Assert.Contains("Master", Daemon.Control(lab, "n1", "status"), StringComparison.Ordinal);
    }

    private static long Conflicts(NetnsLab lab)
    {
        Match match = ConflictCount().Match(Daemon.Control(lab, "n1", "--json status"));
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    [GeneratedRegex("\"conflictingAnnouncements\":\\s*(\\d+)")]
    private static partial Regex ConflictCount();
}
