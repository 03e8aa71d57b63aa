namespace Vrrp.Linux.Tests;

/// <summary>Packets our daemon puts on a real link, captured with tcpdump and judged by tshark.</summary>
public sealed class CaptureTests
{
    [Theory]
    [InlineData("ipv4", "\"198.51.100.100/24\"", "")]
    [InlineData("ipv4-v2-ah", "\"198.51.100.100/24\"", """, "version": "V2", "authenticationType": "IPAuthenticationHeader", "authenticationPassword": "labpass" """)]
    [InlineData("ipv6", "\"fe80::51:100/64\", \"2001:db8:51::100/64\"", "")]
    public void Adverts_and_announcements_from_our_daemon_decode_in_tshark_without_warnings(string name, string addresses, string extra)
    {
        NetnsLab.RequireRoot("tcpdump", "tshark");
        using NetnsLab lab = NetnsLab.Create("n1", "c");
        string pcap = Path.Combine(Path.GetTempPath(), $"{lab.Namespace("c")}-{name}.pcap");
        LabProcess capture = lab.Start("c", "tcpdump", "-i", "lab0", "-n", "-U", "-c", "10", "-w", pcap, "ip proto 112 or ip proto 51 or ip6 proto 112 or arp or icmp6");
        Thread.Sleep(500);
        LabProcess daemon = Daemon.Start(lab, "n1", 100, name.Contains("v2", StringComparison.Ordinal) ? 1000 : 100, extra, addresses);
        Assert.True(daemon.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, daemon.Output);
        Assert.True(capture.WaitForExit(TimeSpan.FromSeconds(20)), "tcpdump did not see 10 packets: " + capture.Output);

        string fields = NetnsLab.Run(NetnsLab.Which("tshark")!, $"-r {pcap} -T fields -E separator=; -e frame.protocols -e vrrp.checksum.status -e _ws.expert.severity -e _ws.malformed -e _ws.expert.message");
        // The runner returns stderr too (tshark warns when run as root): keep the field lines alone.
        string[] lines = fields.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Count(c => c == ';') == 4).ToArray();
        Assert.Contains(lines, l => l.Contains("vrrp", StringComparison.Ordinal));
        foreach (string line in lines)
        {
            string[] f = line.Split(';');
            if (f[0].Contains("vrrp", StringComparison.Ordinal))
            {
                Assert.True(f[1] == "1", $"VRRP checksum not good: {line}");
            }

            Assert.True(string.IsNullOrEmpty(f[3]), $"malformed: {line}");
            foreach (string severity in f[2].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                Assert.True(int.Parse(severity, System.Globalization.CultureInfo.InvariantCulture) < 0x600000, $"expert info at warning level or above: {line}");
            }
        }

        File.Delete(pcap);
    }
}
