using System.Buffers.Binary;
using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Tests.Support;

namespace Vrrp.Tests.Packets;

/// <summary>
/// Packets captured from keepalived 2.2.7 on a Linux bridge, with tshark 4.0's decode of each (Vectors/keepalived-2.2.7).
/// Every frame must decode to the fields tshark shows, pass its checksum and authentication, and re-encode byte for byte.
/// </summary>
public sealed class KeepalivedVectorTests
{
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "Vectors", "keepalived-2.2.7");

    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (string pcap in Directory.GetFiles(s_directory, "*.pcap").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(pcap));
        }

        return data;
    }

    [Fact]
    public void All_ten_captures_are_present()
    {
        Assert.Equal(10, Captures().Count);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_vrrp_frame_decodes_to_tsharks_fields_and_reencodes_byte_identical(string capture)
    {
        List<byte[]> frames = Pcap.ReadFrames(Path.Combine(s_directory, capture + ".pcap"));
        Dictionary<int, TsharkVrrpFrame> decoded = TsharkDecode.Read(Path.Combine(s_directory, capture + ".txt")).ToDictionary(f => f.FrameNumber);
        VrrpAuthentication authentication = ReadAuthentication(Path.Combine(s_directory, capture + ".keepalived.conf"));

        int checkedFrames = 0;
        for (int i = 0; i < frames.Count; i++)
        {
            byte[] frame = frames[i];
            ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12));
            if (etherType == 0x0800 && (frame[14 + 9] == VrrpPacket.IPProtocol || frame[14 + 9] == AuthenticationHeader.IPProtocol))
            {
                CheckIPv4(frame.AsSpan(14), decoded[i + 1], authentication);
                checkedFrames++;
            }
            else if (etherType == 0x86DD && frame[14 + 6] == VrrpPacket.IPProtocol)
            {
                CheckIPv6(frame.AsSpan(14), decoded[i + 1]);
                checkedFrames++;
            }
        }

        Assert.Equal(decoded.Count, checkedFrames);
        Assert.True(checkedFrames > 0);
    }

    [Theory]
    [InlineData("v2_ipv4_prio0_takeover", 10)]
    [InlineData("v3_ipv4_prio0_takeover", 10)]
    public void Gratuitous_arps_of_the_new_master_reencode_byte_identical(string capture, int expected)
    {
        int seen = 0;
        foreach (byte[] frame in Pcap.ReadFrames(Path.Combine(s_directory, capture + ".pcap")))
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) != GratuitousArp.EtherType)
            {
                continue;
            }

            MacAddress sender = MacAddress.FromBytes(frame.AsSpan(14 + 8));
            PackedIPAddress address = PackedIPAddress.FromBytes(frame.AsSpan(14 + 14, 4));
            byte[] written = new byte[GratuitousArp.FrameLength];
            Assert.True(GratuitousArp.TryWrite(written, sender, address, out int length));
            Assert.Equal(Convert.ToHexString(frame.AsSpan(0, GratuitousArp.FrameLength)), Convert.ToHexString(written.AsSpan(0, length)));
            Assert.Equal("192.0.2.100", address.ToString());
            seen++;
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public void Unsolicited_neighbour_advertisements_reencode_byte_identical_in_keepalived_form()
    {
        int seen = 0;
        foreach (byte[] frame in Pcap.ReadFrames(Path.Combine(s_directory, "v3_ipv6_prio0_takeover.pcap")))
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) != 0x86DD || frame[14 + 6] != 58)
            {
                continue;
            }

            // keepalived 2.2.7 sends Override alone (not Router) and the virtual address as the IPv6 source.
            uint flags = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(14 + 40 + 4));
            Assert.Equal(UnsolicitedNeighborAdvertisement.OverrideFlag, flags);
            MacAddress mac = MacAddress.FromBytes(frame.AsSpan(6));
            PackedIPAddress source = PackedIPAddress.FromBytes(frame.AsSpan(14 + 8, 16));
            PackedIPAddress target = PackedIPAddress.FromBytes(frame.AsSpan(14 + 40 + 8, 16));
            byte[] written = new byte[UnsolicitedNeighborAdvertisement.FrameLength];
            Assert.True(UnsolicitedNeighborAdvertisement.TryWrite(written, mac, source, target, flags, out int length));
            Assert.Equal(Convert.ToHexString(frame), Convert.ToHexString(written.AsSpan(0, length)));
            seen++;
        }

        Assert.Equal(10, seen);
    }

    private static void CheckIPv4(ReadOnlySpan<byte> datagram, TsharkVrrpFrame expected, VrrpAuthentication authentication)
    {
        var policy = new VrrpReceivePolicy((VrrpVersion)expected.Version, authentication);
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram, policy, out ReceivedAdvertisement received));
        CheckFields(received, expected);
        Assert.True(IPv4Header.TryRead(datagram, out IPv4Header ip));
        Assert.True(IPv4Header.VerifyHeaderChecksum(datagram));

        // keepalived 2.2.7 always includes the IPv4 pseudo-header in a VRRPv3 checksum.
        Assert.Equal(VrrpChecksumForm.PseudoHeader, received.Packet.Version == VrrpVersion.V3 ? received.ChecksumForm : VrrpChecksumForm.PseudoHeader);
        if (expected.AhSequence is { } sequence)
        {
            Assert.True(received.HasAuthenticationHeader);
            Assert.Equal(sequence, received.AuthenticationSequence);
            Assert.Equal(expected.AhSpi, BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]));
        }

        byte[] written = new byte[ip.TotalLength];
        Assert.True(VrrpDatagram.TryWriteIPv4(written, received.Packet, ip.Source, ip.Destination, ip.Identification, received.ChecksumForm, authentication, received.AuthenticationSequence, out int length));
        Assert.Equal(Convert.ToHexString(datagram[..ip.TotalLength]), Convert.ToHexString(written.AsSpan(0, length)));
    }

    private static void CheckIPv6(ReadOnlySpan<byte> ipv6, TsharkVrrpFrame expected)
    {
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ipv6[4..]);
        ReadOnlySpan<byte> message = ipv6.Slice(40, payloadLength);
        PackedIPAddress source = PackedIPAddress.FromBytes(ipv6.Slice(8, 16));
        PackedIPAddress destination = PackedIPAddress.FromBytes(ipv6.Slice(24, 16));
        // keepalived 2.2.7 sends IPv6 unicast adverts with the default hop limit, 64: a receiver that peers with it over
        // unicast must relax the RFC 9568 §7.1 check, as keepalived itself does for unicast.
        var policy = new VrrpReceivePolicy(VrrpVersion.V3) { AcceptAnyHopLimit = !destination.IsMulticast };
        if (ipv6[7] != VrrpDatagram.RequiredHopLimit)
        {
            Assert.Equal(VrrpPacketStatus.IPTtl, VrrpDatagram.TryReadIPv6(message, source, destination, ipv6[7], policy with { AcceptAnyHopLimit = false }, out _));
        }

        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv6(message, source, destination, ipv6[7], policy, out ReceivedAdvertisement received));
        CheckFields(received, expected);

        byte[] written = new byte[received.Packet.Length];
        Assert.True(received.Packet.TryWrite(written, VrrpChecksumForm.PseudoHeader, source, destination, out int length));
        Assert.Equal(Convert.ToHexString(message), Convert.ToHexString(written.AsSpan(0, length)));
    }

    private static void CheckFields(in ReceivedAdvertisement received, TsharkVrrpFrame expected)
    {
        VrrpPacket packet = received.Packet;
        Assert.Equal("Good", expected.ChecksumStatus);
        Assert.Equal(expected.Version, (int)packet.Version);
        Assert.Equal(expected.VirtualRouterId, packet.VirtualRouterId);
        Assert.Equal(expected.Priority, packet.Priority);
        Assert.Equal(expected.AddressCount, packet.AddressCount);
        Assert.Equal(expected.AdvertisementInterval, packet.AdvertisementInterval);
        Assert.Equal(expected.Checksum, packet.Checksum);
        Assert.Equal(expected.TimeToLive, received.HopLimit);
        Assert.Equal(expected.Source, received.Source.ToString());
        Assert.Equal(expected.Destination, received.Destination.ToString());
        Assert.Equal(expected.AuthenticationType ?? 0, (int)packet.AuthenticationType);
        if (expected.AuthenticationString is { } password)
        {
            Assert.Equal(password, System.Text.Encoding.ASCII.GetString(packet.AuthenticationData).TrimEnd('\0'));
        }

        var addresses = new List<string>();
        for (int i = 0; i < packet.AddressCount; i++)
        {
            addresses.Add(packet.GetAddress(i).ToString());
        }

        Assert.Equal(expected.Addresses, addresses);
        Assert.Equal(packet.Addresses.Length == 16 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, packet.GetAddress(0).Family);
    }

    private static VrrpAuthentication ReadAuthentication(string conf)
    {
        string text = File.ReadAllText(conf);
        string? type = text.Contains("auth_type PASS", StringComparison.Ordinal) ? "PASS" : text.Contains("auth_type AH", StringComparison.Ordinal) ? "AH" : null;
        return type switch
        {
            "PASS" => VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "labpass"),
            "AH" => VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "labpass"),
            _ => VrrpAuthentication.None,
        };
    }
}
