using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Tests.Support;

namespace Vrrp.Tests.Packets;

/// <summary>
/// tshark as an independent judge: every form our encoder writes, saved as a pcap, must decode with good checksums and
/// without malformed-packet or warning-level expert info. Skipped where tshark is not installed (.ci/run installs it).
/// </summary>
public sealed class TsharkJudgeTests
{
    private const int WarningSeverity = 0x600000;

    public static TheoryData<string> Forms() => ["v3-ipv4-pseudo", "v3-ipv4-message-only", "v3-ipv6", "v2-none", "v2-password", "v2-ah", "v3-ipv4-20-addresses", "garp", "unsolicited-na"];

    [Theory]
    [MemberData(nameof(Forms))]
    public void Tshark_decodes_our_packets_with_good_checksums_and_no_warnings(string form)
    {
        string? tshark = ExternalTool.Find("tshark");
        Assert.SkipWhen(tshark is null, "tshark is not installed (apt-get install tshark); .ci/run installs it.");

        byte[] frame = Frame(form);
        string pcap = Path.Combine(Path.GetTempPath(), $"vrrp-judge-{form}-{Environment.ProcessId}.pcap");
        Pcap.WriteFrames(pcap, [frame]);
        try
        {
            var arguments = new List<string> { "-r", pcap, "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=;", "-e", "frame.protocols", "-e", "vrrp.checksum.status", "-e", "icmpv6.checksum.status", "-e", "ip.checksum.status", "-e", "_ws.expert.severity", "-e", "_ws.malformed", "-e", "_ws.expert.message" };
            if (form == "v3-ipv4-message-only")
            {
                arguments.AddRange(["-o", "vrrp.v3_checksum_as_in_v2:TRUE"]);
            }

            string line = ExternalTool.Run(tshark!, arguments, TimeSpan.FromSeconds(60)).Trim();
            string[] fields = line.Split(';');
            Assert.True(fields.Length >= 7, $"unexpected tshark output: {line}");
            string protocols = fields[0];
            Assert.Contains(form == "garp" ? "arp" : form == "unsolicited-na" ? "icmpv6" : "vrrp", protocols, StringComparison.Ordinal);
            if (protocols.Contains("vrrp", StringComparison.Ordinal))
            {
                Assert.Equal("1", fields[1]); // 1 = Good
            }

            if (protocols.Contains("icmpv6", StringComparison.Ordinal))
            {
                Assert.Equal("1", fields[2]);
            }

            if (protocols.Contains(":ip:", StringComparison.Ordinal))
            {
                Assert.Equal("1", fields[3]);
            }

            Assert.True(string.IsNullOrEmpty(fields[5]), $"malformed: {line}");
            foreach (string severity in fields[4].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                Assert.True(int.Parse(severity, CultureInfo.InvariantCulture) < WarningSeverity, $"expert info at warning level or above: {line}");
            }
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    private static byte[] Frame(string form) => form switch
    {
        "v3-ipv4-pseudo" => Ethernet4(Adverts.IPv4()),
        "v3-ipv4-message-only" => Ethernet4(Adverts.IPv4(form: VrrpChecksumForm.MessageOnly)),
        "v3-ipv4-20-addresses" => Ethernet4(Adverts.IPv4(addresses: 20)),
        "v2-none" => Ethernet4(Adverts.IPv4(VrrpVersion.V2)),
        "v2-password" => Ethernet4(Adverts.IPv4(VrrpVersion.V2, authentication: Adverts.Password)),
        "v2-ah" => Ethernet4(Adverts.IPv4(VrrpVersion.V2, authentication: Adverts.Ah)),
        "v3-ipv6" => Ethernet6(Adverts.IPv6Message(addresses: 3)),
        "garp" => Garp(),
        "unsolicited-na" => Na(),
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    private static byte[] Ethernet4(byte[] datagram)
    {
        byte[] frame = new byte[14 + datagram.Length];
        MacAddress.ForIPv4Multicast(Adverts.Group4).WriteTo(frame);
        MacAddress.ForVirtualRouter(AddressFamily.InterNetwork, 51).WriteTo(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        datagram.CopyTo(frame, 14);
        return frame;
    }

    private static byte[] Ethernet6(byte[] message)
    {
        byte[] frame = new byte[14 + 40 + message.Length];
        MacAddress.ForIPv6Multicast(Adverts.Group6).WriteTo(frame);
        MacAddress.ForVirtualRouter(AddressFamily.InterNetworkV6, 51).WriteTo(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        Span<byte> ip = frame.AsSpan(14, 40);
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)message.Length);
        ip[6] = VrrpPacket.IPProtocol;
        ip[7] = 255;
        Adverts.Source6.WriteTo(ip[8..]);
        Adverts.Group6.WriteTo(ip[24..]);
        message.CopyTo(frame, 54);
        return frame;
    }

    private static byte[] Garp()
    {
        byte[] frame = new byte[60]; // padded to the Ethernet minimum, as the link sends it
        GratuitousArp.TryWrite(frame, MacAddress.ForVirtualRouter(AddressFamily.InterNetwork, 51), PackedIPAddress.Parse("198.51.100.100"), out _);
        return frame;
    }

    private static byte[] Na()
    {
        byte[] frame = new byte[UnsolicitedNeighborAdvertisement.FrameLength];
        UnsolicitedNeighborAdvertisement.TryWrite(frame, MacAddress.ForVirtualRouter(AddressFamily.InterNetworkV6, 51), Adverts.Source6, PackedIPAddress.Parse("2001:db8:51::100"), UnsolicitedNeighborAdvertisement.RfcFlags, out _);
        return frame;
    }
}
