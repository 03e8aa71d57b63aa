using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Tests.Support;

namespace Vrrp.Tests.Packets;

/// <summary>
/// Test packets published by other implementations, decoded and re-derived by our encoder. Sources are named in each
/// case; the bytes were checked independently of this codec.
/// </summary>
public sealed class PublishedVectorTests
{
    [Fact]
    public void Gopacket_v2_frame_with_ethernet_padding_decodes_and_reencodes()
    {
        // google/gopacket layers/vrrp_test.go: a 60-byte captured frame; 6 bytes of link padding follow the datagram.
        byte[] frame = Hex.Parse("01005e000012 00005e000101 0800 45c0002800000000ff7019cdc0a8001ee0000012 210164010001ba52c0a800010000000000000000 000000000000");
        ReadOnlySpan<byte> datagram = frame.AsSpan(14);
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram, new VrrpReceivePolicy(VrrpVersion.V2), out ReceivedAdvertisement received));
        Assert.Equal(VrrpVersion.V2, received.Packet.Version);
        Assert.Equal(1, received.Packet.VirtualRouterId);
        Assert.Equal(100, received.Packet.Priority);
        Assert.Equal(0xBA52, received.Packet.Checksum);
        Assert.Equal("192.168.0.1", received.Packet.GetAddress(0).ToString());
        Assert.Equal(MacAddress.ForVirtualRouter(AddressFamily.InterNetwork, 1), MacAddress.FromBytes(frame.AsSpan(6)));

        byte[] written = new byte[40];
        Assert.True(VrrpDatagram.TryWriteIPv4(written, received.Packet, received.Source, received.Destination, 0, VrrpChecksumForm.PseudoHeader, null, 0, out int length));
        Assert.Equal(Hex.Of(datagram[..40]), Hex.Of(written.AsSpan(0, length)));
    }

    [Fact]
    public void Dpkt_and_flexsnr_v2_message_is_rederived()
    {
        // kbandla/dpkt dpkt/vrrp.py and FlexSNR/l3 encode_test.go: the same 20-byte VRRPv2 message, checksum 0xba52.
        AssertRederives("210164010001ba52c0a800010000000000000000", AddressFamily.InterNetwork, "192.168.0.30", "224.0.0.18", VrrpChecksumForm.MessageOnly);
    }

    [Fact]
    public void PcapPlusPlus_v3_IPv4_two_addresses_uses_the_pseudo_header()
    {
        // seladb/PcapPlusPlus Tests/Packet++Test/PacketExamples/VRRP-V3-IPv4.dat: checksum 0x484d, interval 1 cs.
        VrrpChecksumForm form = AssertRederives("310164020001484dc0a80001c0a80002", AddressFamily.InterNetwork, "192.168.0.30", "224.0.0.18", VrrpChecksumForm.PseudoHeader);
        Assert.Equal(VrrpChecksumForm.PseudoHeader, form);
    }

    [Fact]
    public void PcapPlusPlus_v3_IPv6_three_addresses()
    {
        // seladb/PcapPlusPlus VRRP-V3-IPv6.dat: fe80::1 > ff02::12, checksum 0x1071.
        AssertRederives(
            "3101640300011071 fe800000000000000000000000000254 20010db8000000000000000000000001 20010db8000000000000000000000002",
            AddressFamily.InterNetworkV6, "fe80::1", "ff02::12", VrrpChecksumForm.PseudoHeader);
    }

    [Fact]
    public void Scapy_v3_IPv4_checksum_b25e()
    {
        // secdev/scapy test/scapy/layers/vrrp.uts "VRRP - chksums": VRRPv3(priority=254, vrid=2, adv=1, two addresses) from 20.0.0.3.
        AssertRederives("3102fe020001b25e1400010214000103", AddressFamily.InterNetwork, "20.0.0.3", "224.0.0.18", VrrpChecksumForm.PseudoHeader);
    }

    [Fact]
    public void Scapy_v3_IPv6_checksum_481b()
    {
        // secdev/scapy "VRRP IPv6 - chksums": from 2001:db8::1 to ff02::12 (a global source: only a checksum vector).
        AssertRederives("3102fe020001481b 20010db8000000000000000000000002 20010db8000000000000000000000003", AddressFamily.InterNetworkV6, "2001:db8::1", "ff02::12", VrrpChecksumForm.PseudoHeader);
    }

    [Fact]
    public void Scapy_default_v3_IPv6_advert_announces_one_address_but_carries_none()
    {
        // secdev/scapy "VRRP IPv6 - build": raw(IPv6()/VRRPv3()) has count 1 and no address: a length error, never an exception.
        Assert.Equal(VrrpPacketStatus.PacketLength, VrrpPacket.TryRead(Hex.Parse("3101640100646a1f"), AddressFamily.InterNetworkV6, out _));
    }

    [Fact]
    public void Keepalived_unicast_v3_pseudo_header_uses_the_peer_as_destination()
    {
        // acassen/keepalived issue #1175: a v2.0.12 unicast advert to 10.1.0.1, wire checksum 9c19.
        AssertRederives("3158c60100649c190ac34ce3", AddressFamily.InterNetwork, "10.1.0.3", "10.1.0.1", VrrpChecksumForm.PseudoHeader);
    }

    [Fact]
    public void Keepalived_v2_datagram_with_two_bytes_of_link_padding_is_accepted()
    {
        // acassen/keepalived issue #2422: keepalived once rejected this packet for its padding; the IP total length rules.
        byte[] datagram = Hex.Parse("45c00028000e0000ff70c2590c220c0ae0000012210c640100013eb51e1e1e1e0000000000000000 0000");
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram, new VrrpReceivePolicy(VrrpVersion.V2), out ReceivedAdvertisement received));
        Assert.Equal(12, received.Packet.VirtualRouterId);
        Assert.Equal("30.30.30.30", received.Packet.GetAddress(0).ToString());
    }

    [Fact]
    public void Keepalived_issue_1490_checksum_depends_on_the_ip_source_in_the_pseudo_header()
    {
        // acassen/keepalived issue #1490: 0x082d is right for source 10.0.0.3; Wireshark, taking the VIP as source, expected 0xe862.
        byte[] message = Hex.Parse("310296030064082db9cb70010a0000010a000801");
        Assert.Equal(VrrpPacketStatus.Valid, VrrpPacket.TryRead(message, AddressFamily.InterNetwork, out VrrpPacket packet));
        Assert.True(packet.VerifyChecksum(message, PackedIPAddress.Parse("10.0.0.3"), PackedIPAddress.Parse("224.0.0.18"), out _));
        Assert.Equal(0xE862, VrrpPacket.ComputeChecksum(message, VrrpVersion.V3, VrrpChecksumForm.PseudoHeader, PackedIPAddress.Parse("185.203.112.1"), PackedIPAddress.Parse("224.0.0.18")));
    }

    private static VrrpChecksumForm AssertRederives(string hex, AddressFamily family, string source, string destination, VrrpChecksumForm form)
    {
        byte[] message = Hex.Parse(hex);
        PackedIPAddress src = PackedIPAddress.Parse(source);
        PackedIPAddress dst = PackedIPAddress.Parse(destination);
        Assert.Equal(VrrpPacketStatus.Valid, VrrpPacket.TryRead(message, family, out VrrpPacket packet));
        Assert.True(packet.VerifyChecksum(message, src, dst, out VrrpChecksumForm seen));

        // Re-derive from fields alone: a packet built anew, not the decoded view.
        var rebuilt = new VrrpPacket(packet.Version, packet.VirtualRouterId, packet.Priority, packet.AdvertisementInterval, family, packet.Addresses.ToArray(), packet.AuthenticationType, packet.AuthenticationData.ToArray());
        byte[] written = new byte[rebuilt.Length];
        Assert.True(rebuilt.TryWrite(written, form, src, dst, out int length));
        Assert.Equal(Hex.Of(message), Hex.Of(written.AsSpan(0, length)));
        return seen;
    }
}
