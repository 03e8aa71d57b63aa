using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Tests.Support;

namespace Vrrp.Tests.Packets;

/// <summary>Golden bytes written field by field from the RFC diagrams, for every form the codec writes.</summary>
public sealed class GoldenPacketTests
{
    private static readonly PackedIPAddress s_source4 = PackedIPAddress.Parse("198.51.100.11");
    private static readonly PackedIPAddress s_group4 = PackedIPAddress.Parse("224.0.0.18");
    private static readonly PackedIPAddress s_source6 = PackedIPAddress.Parse("fe80::11");
    private static readonly PackedIPAddress s_group6 = PackedIPAddress.Parse("ff02::12");

    [Fact]
    public void V3_IPv4_with_pseudo_header_checksum()
    {
        byte[] expected = Hex.Parse("""
            31          | version 3, type 1 (Advertisement)
            33          | VRID 51
            64          | priority 100
            01          | count 1
            0064        | reserved 0, max adver int 100 cs
            3501        | checksum over pseudo-header (198.51.100.11 > 224.0.0.18, 112, length 12) and message
            c6336464    | 198.51.100.100
            """);
        AssertWrites(expected, new VrrpPacket(VrrpVersion.V3, 51, 100, 100, AddressFamily.InterNetwork, Hex.Parse("c6336464")), VrrpChecksumForm.PseudoHeader, s_source4, s_group4);
    }

    [Fact]
    public void V3_IPv4_with_message_only_checksum_of_rfc9568()
    {
        byte[] expected = Hex.Parse("""
            31 33 64 01 | v3 advert, VRID 51, priority 100, count 1
            0064        | 100 cs
            3fcf        | checksum over the message alone (RFC 9568 §5.2.8)
            c6336464    | 198.51.100.100
            """);
        AssertWrites(expected, new VrrpPacket(VrrpVersion.V3, 51, 100, 100, AddressFamily.InterNetwork, Hex.Parse("c6336464")), VrrpChecksumForm.MessageOnly, s_source4, s_group4);
    }

    [Fact]
    public void V3_IPv6_always_uses_the_pseudo_header()
    {
        byte[] addresses = Hex.Parse("fe80 0000 0000 0000 0000 0000 0000 0100  2001 0db8 0051 0000 0000 0000 0000 0100");
        byte[] expected = Hex.Parse("""
            31 33 fe 02 | v3 advert, VRID 51, priority 254, count 2
            0fff        | 4095 cs, the largest interval
            9400        | checksum over the IPv6 pseudo-header (fe80::11 > ff02::12, length 40, next header 112) and message
            fe800000000000000000000000000100 | fe80::100
            20010db8005100000000000000000100 | 2001:db8:51::100
            """);
        var packet = new VrrpPacket(VrrpVersion.V3, 51, 254, 4095, AddressFamily.InterNetworkV6, addresses);
        AssertWrites(expected, packet, VrrpChecksumForm.MessageOnly, s_source6, s_group6); // the form is ignored for IPv6
    }

    [Fact]
    public void V2_without_authentication()
    {
        byte[] expected = Hex.Parse("""
            21 33 64 01 | version 2, type 1, VRID 51, priority 100, count 1
            00          | auth type 0
            01          | adver int 1 s
            5032        | checksum over the message alone
            c6336464    | 198.51.100.100
            0000000000000000 | authentication data, zero
            """);
        AssertWrites(expected, new VrrpPacket(VrrpVersion.V2, 51, 100, 1, AddressFamily.InterNetwork, Hex.Parse("c6336464")), VrrpChecksumForm.PseudoHeader, s_source4, s_group4);
    }

    [Fact]
    public void V2_with_simple_password_in_a_whole_datagram()
    {
        byte[] expected = Hex.Parse("""
            45 c0 0028  | IPv4, IHL 5, TOS CS6, total length 40
            0007 0000   | identification 7, no flags
            ff 70 b04d  | TTL 255, protocol 112, header checksum
            c633640b    | source 198.51.100.11
            e0000012    | destination 224.0.0.18
            21 33 64 01 | v2 advert, VRID 51, priority 100, count 1
            01 01 abec  | auth type 1, 1 s, checksum
            c6336464    | 198.51.100.100
            6c61627061737300 | "labpass", zero padded to 8 bytes
            """);
        var packet = new VrrpPacket(VrrpVersion.V2, 51, 100, 1, AddressFamily.InterNetwork, Hex.Parse("c6336464"));
        byte[] written = new byte[expected.Length];
        VrrpAuthentication password = VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "labpass");
        Assert.True(VrrpDatagram.TryWriteIPv4(written, packet, s_source4, s_group4, 7, VrrpChecksumForm.PseudoHeader, password, 0, out int length));
        Assert.Equal(Hex.Of(expected), Hex.Of(written.AsSpan(0, length)));
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(written, new VrrpReceivePolicy(VrrpVersion.V2, password), out _));
    }

    [Fact]
    public void V2_with_authentication_header_in_a_whole_datagram()
    {
        byte[] expected = Hex.Parse("""
            45 c0 0040  | IPv4, total length 64
            0003 0000   | identification 3
            ff 33 b076  | TTL 255, protocol 51 (AH), header checksum
            c633640b e0000012 | 198.51.100.11 > 224.0.0.18
            70 04 0000  | AH: next header 112, payload length 4 (24 bytes), reserved
            c633640b    | SPI = the sender's address
            00000003    | sequence number 3
            ca81d5192a5857c56ea3f338 | ICV: HMAC-MD5-96 keyed "labpass"
            21 33 64 01 | v2 advert, VRID 51, priority 100, count 1
            02 01 4e32  | auth type 2, 1 s, checksum
            c6336464    | 198.51.100.100
            0000000000000000 | authentication data zero: the AH carries it
            """);
        var packet = new VrrpPacket(VrrpVersion.V2, 51, 100, 1, AddressFamily.InterNetwork, Hex.Parse("c6336464"));
        byte[] written = new byte[expected.Length];
        VrrpAuthentication ah = VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "labpass");
        Assert.True(VrrpDatagram.TryWriteIPv4(written, packet, s_source4, s_group4, 3, VrrpChecksumForm.PseudoHeader, ah, 3, out int length));
        Assert.Equal(Hex.Of(expected), Hex.Of(written.AsSpan(0, length)));
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(written, new VrrpReceivePolicy(VrrpVersion.V2, ah), out ReceivedAdvertisement received));
        Assert.Equal(3u, received.AuthenticationSequence);
    }

    [Fact]
    public void Gratuitous_arp_for_a_virtual_address_from_the_virtual_mac()
    {
        byte[] expected = Hex.Parse("""
            ffffffffffff | Ethernet destination: broadcast
            00005e000133 | source: virtual MAC of VRID 51
            0806         | ARP
            0001 0800 06 04 0001 | Ethernet, IPv4, lengths 6 and 4, request
            00005e000133 c6336464 | sender: virtual MAC, 198.51.100.100
            ffffffffffff c6336464 | target: broadcast, 198.51.100.100
            """);
        byte[] written = new byte[GratuitousArp.FrameLength];
        Assert.True(GratuitousArp.TryWrite(written, MacAddress.ForVirtualRouter(AddressFamily.InterNetwork, 51), PackedIPAddress.Parse("198.51.100.100"), out int length));
        Assert.Equal(Hex.Of(expected), Hex.Of(written.AsSpan(0, length)));
    }

    [Fact]
    public void Unsolicited_neighbour_advertisement_with_router_and_override_flags()
    {
        byte[] expected = Hex.Parse("""
            333300000001 | Ethernet destination: all-nodes multicast
            00005e000233 | source: IPv6 virtual MAC of VRID 51
            86dd         | IPv6
            60000000 0020 3a ff | version 6, payload 32, ICMPv6, hop limit 255
            fe800000000000000000000000000011 | source fe80::11
            ff020000000000000000000000000001 | destination ff02::1
            88 00 48d0  | type 136 (NA), code 0, checksum
            a0000000    | R=1 S=0 O=1
            20010db8005100000000000000000100 | target 2001:db8:51::100
            02 01 00005e000233 | target link-layer address option: the virtual MAC
            """);
        byte[] written = new byte[UnsolicitedNeighborAdvertisement.FrameLength];
        Assert.True(UnsolicitedNeighborAdvertisement.TryWrite(written, MacAddress.ForVirtualRouter(AddressFamily.InterNetworkV6, 51), s_source6, PackedIPAddress.Parse("2001:db8:51::100"), UnsolicitedNeighborAdvertisement.RfcFlags, out int length));
        Assert.Equal(Hex.Of(expected), Hex.Of(written.AsSpan(0, length)));
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork, 1, "00:00:5e:00:01:01")]
    [InlineData(AddressFamily.InterNetwork, 255, "00:00:5e:00:01:ff")]
    [InlineData(AddressFamily.InterNetworkV6, 51, "00:00:5e:00:02:33")]
    public void Virtual_mac_is_00_00_5E_00_family_vrid(AddressFamily family, byte vrid, string expected)
    {
        Assert.Equal(expected, MacAddress.ForVirtualRouter(family, vrid).ToString());
        Assert.Equal(MacAddress.Parse(expected.ToUpperInvariant().Replace(':', '-')), MacAddress.ForVirtualRouter(family, vrid));
    }

    private static void AssertWrites(byte[] expected, VrrpPacket packet, VrrpChecksumForm form, PackedIPAddress source, PackedIPAddress destination)
    {
        byte[] written = new byte[packet.Length];
        Assert.True(packet.TryWrite(written, form, source, destination, out int length));
        Assert.Equal(Hex.Of(expected), Hex.Of(written.AsSpan(0, length)));
    }
}
