using System.Buffers.Binary;
using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Tests.Support;

namespace Vrrp.Tests.Packets;

/// <summary>Every receive check of RFC 9568 §7.1 and RFC 3768 §7.1 that the packet alone allows, one rejection each.</summary>
public sealed class ReceiveValidationTests
{
    private static readonly VrrpReceivePolicy s_v3 = new(VrrpVersion.V3);

    private static VrrpPacketStatus Read(byte[] datagram, VrrpReceivePolicy? policy = null) =>
        VrrpDatagram.TryReadIPv4(datagram, policy ?? s_v3, out _);

    // Rewrites a field of the VRRP message and its checksum, so that only the field under test is wrong.
    private static byte[] WithMessageByte(byte[] datagram, int offset, byte value, bool fixChecksum = true)
    {
        byte[] copy = (byte[])datagram.Clone();
        Span<byte> message = copy.AsSpan(20);
        message[offset] = value;
        if (fixChecksum)
        {
            message[6] = 0;
            message[7] = 0;
            ulong sum = InternetChecksum.Accumulate(0, message);
            sum = InternetChecksum.Accumulate(sum, copy.AsSpan(12, 8)) + (uint)message.Length + 112;
            BinaryPrimitives.WriteUInt16BigEndian(message[6..], InternetChecksum.Complete(sum));
        }

        return copy;
    }

    private static byte[] WithTtl(byte[] datagram, byte ttl)
    {
        byte[] copy = (byte[])datagram.Clone();
        copy[8] = ttl;
        copy[10] = 0;
        copy[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(10), InternetChecksum.Compute(copy.AsSpan(0, 20)));
        return copy;
    }

    [Fact]
    public void A_valid_advert_is_valid() => Assert.Equal(VrrpPacketStatus.Valid, Read(Adverts.IPv4()));

    [Fact]
    public void Ttl_254_is_an_ip_ttl_error() => Assert.Equal(VrrpPacketStatus.IPTtl, Read(WithTtl(Adverts.IPv4(), 254)));

    [Fact]
    public void Ttl_254_is_accepted_when_the_policy_relaxes_it_for_routed_unicast_peers() =>
        Assert.Equal(VrrpPacketStatus.Valid, Read(WithTtl(Adverts.IPv4(), 254), s_v3 with { AcceptAnyHopLimit = true }));

    [Theory]
    [InlineData(249, 250, 255, VrrpPacketStatus.IPTtl)]
    [InlineData(250, 250, 255, VrrpPacketStatus.Valid)]
    [InlineData(255, 0, 254, VrrpPacketStatus.IPTtl)]
    [InlineData(64, 0, 255, VrrpPacketStatus.Valid)]
    public void A_relaxed_hop_limit_is_still_held_to_min_ttl_and_max_ttl(byte ttl, byte minimum, byte maximum, VrrpPacketStatus expected) =>
        Assert.Equal(expected, Read(WithTtl(Adverts.IPv4(), ttl), s_v3 with { AcceptAnyHopLimit = true, MinimumHopLimit = minimum, MaximumHopLimit = maximum }));

    [Fact]
    public void Version_2_to_a_v3_router_is_a_version_error() => Assert.Equal(VrrpPacketStatus.Version, Read(Adverts.IPv4(VrrpVersion.V2)));

    [Fact]
    public void Version_4_is_a_version_error() => Assert.Equal(VrrpPacketStatus.Version, Read(WithMessageByte(Adverts.IPv4(), 0, 0x41)));

    [Fact]
    public void Type_2_is_an_invalid_type() => Assert.Equal(VrrpPacketStatus.InvalidType, Read(WithMessageByte(Adverts.IPv4(), 0, 0x32)));

    [Fact]
    public void Count_zero_is_an_address_count_error() => Assert.Equal(VrrpPacketStatus.AddressCount, Read(WithMessageByte(Adverts.IPv4(), 3, 0)));

    [Fact]
    public void A_vrrpv2_advert_of_no_address_is_written_and_read_as_keepalived_sends_it()
    {
        // RFC 9568's floor of one address (erratum 8299) is VRRPv3's; RFC 3768 has none, and keepalived sends a VRRPv2
        // instance without virtual addresses with a count of 0. Before: refused, as AddressCount, and never written.
        var packet = new VrrpPacket(VrrpVersion.V2, 51, 100, 1, System.Net.Sockets.AddressFamily.InterNetwork, []);
        byte[] datagram = new byte[64];
        Assert.True(VrrpDatagram.TryWriteIPv4(datagram, packet, Adverts.Source4, Adverts.Group4, 9, default, VrrpAuthentication.None, 0, out int length));

        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram.AsSpan(0, length), new VrrpReceivePolicy(VrrpVersion.V2, VrrpAuthentication.None), out ReceivedAdvertisement read));
        Assert.Equal(0, read.Packet.AddressCount);
        Assert.Equal(VrrpPacketStatus.AddressCount, Read(WithMessageByte(Adverts.IPv4(), 3, 0))); // still for VRRPv3
    }

    [Fact]
    public void Count_larger_than_the_packet_is_a_length_error() => Assert.Equal(VrrpPacketStatus.PacketLength, Read(WithMessageByte(Adverts.IPv4(), 3, 2)));

    [Fact]
    public void Interval_zero_is_an_interval_error()
    {
        byte[] datagram = WithMessageByte(Adverts.IPv4(), 4, 0);
        Assert.Equal(VrrpPacketStatus.Interval, Read(WithMessageByte(datagram, 5, 0)));
    }

    [Fact]
    public void Reserved_bits_are_ignored_on_receive()
    {
        byte[] datagram = WithMessageByte(Adverts.IPv4(), 4, 0xF0);
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram, s_v3, out ReceivedAdvertisement received));
        Assert.Equal(100, received.Packet.AdvertisementInterval);
    }

    [Fact]
    public void A_bad_checksum_is_a_checksum_error() => Assert.Equal(VrrpPacketStatus.Checksum, Read(WithMessageByte(Adverts.IPv4(), 2, 101, fixChecksum: false)));

    [Fact]
    public void A_message_only_v3_checksum_is_accepted_and_reported()
    {
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(Adverts.IPv4(form: VrrpChecksumForm.MessageOnly), s_v3, out ReceivedAdvertisement received));
        Assert.Equal(VrrpChecksumForm.MessageOnly, received.ChecksumForm);
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(Adverts.IPv4(form: VrrpChecksumForm.PseudoHeader), s_v3, out received));
        Assert.Equal(VrrpChecksumForm.PseudoHeader, received.ChecksumForm);
    }

    [Fact]
    public void A_short_packet_is_a_length_error()
    {
        byte[] datagram = Adverts.IPv4();
        Assert.Equal(VrrpPacketStatus.PacketLength, VrrpPacket.TryRead(datagram.AsSpan(20, 7), AddressFamily.InterNetwork, out _));
        Assert.Equal(VrrpPacketStatus.PacketLength, VrrpPacket.TryRead(datagram.AsSpan(20, 11), AddressFamily.InterNetwork, out _));
    }

    [Fact]
    public void A_datagram_shorter_than_its_total_length_is_an_ip_header_error() => Assert.Equal(VrrpPacketStatus.IPHeader, Read(Adverts.IPv4()[..^1]));

    [Fact]
    public void A_bad_ip_header_checksum_is_an_ip_header_error()
    {
        byte[] datagram = Adverts.IPv4();
        datagram[5] ^= 1; // identification
        Assert.Equal(VrrpPacketStatus.IPHeader, Read(datagram));
    }

    [Fact]
    public void A_fragment_is_an_ip_header_error()
    {
        byte[] datagram = Adverts.IPv4();
        datagram[6] = 0x20; // more fragments
        datagram[10] = 0;
        datagram[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), InternetChecksum.Compute(datagram.AsSpan(0, 20)));
        Assert.Equal(VrrpPacketStatus.IPHeader, Read(datagram));
    }

    [Fact]
    public void Another_ip_protocol_is_an_ip_header_error()
    {
        byte[] datagram = Adverts.IPv4();
        datagram[9] = 17;
        datagram[10] = 0;
        datagram[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), InternetChecksum.Compute(datagram.AsSpan(0, 20)));
        Assert.Equal(VrrpPacketStatus.IPHeader, Read(datagram));
    }

    [Fact]
    public void The_right_password_is_valid() =>
        Assert.Equal(VrrpPacketStatus.Valid, Read(Adverts.IPv4(VrrpVersion.V2, authentication: Adverts.Password), new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Password)));

    [Fact]
    public void A_wrong_password_is_an_authentication_failure() =>
        Assert.Equal(VrrpPacketStatus.AuthenticationFailure, Read(
            Adverts.IPv4(VrrpVersion.V2, authentication: VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "wrong")),
            new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Password)));

    [Fact]
    public void No_authentication_where_a_password_is_configured_is_an_authentication_type_error() =>
        Assert.Equal(VrrpPacketStatus.AuthenticationType, Read(Adverts.IPv4(VrrpVersion.V2), new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Password)));

    [Fact]
    public void A_password_where_none_is_configured_is_an_authentication_type_error() =>
        Assert.Equal(VrrpPacketStatus.AuthenticationType, Read(Adverts.IPv4(VrrpVersion.V2, authentication: Adverts.Password), new VrrpReceivePolicy(VrrpVersion.V2)));

    [Fact]
    public void The_right_ah_icv_is_valid() =>
        Assert.Equal(VrrpPacketStatus.Valid, Read(Adverts.IPv4(VrrpVersion.V2, authentication: Adverts.Ah), new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Ah)));

    [Fact]
    public void An_ah_icv_made_with_another_key_is_an_authentication_failure() =>
        Assert.Equal(VrrpPacketStatus.AuthenticationFailure, Read(
            Adverts.IPv4(VrrpVersion.V2, authentication: VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "other")),
            new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Ah)));

    [Fact]
    public void A_changed_byte_under_the_ah_is_an_authentication_failure()
    {
        byte[] datagram = Adverts.IPv4(VrrpVersion.V2, authentication: Adverts.Ah);
        datagram[20 + 8] ^= 0xFF; // the sequence number: covered by the ICV, not by the VRRP checksum
        Assert.Equal(VrrpPacketStatus.AuthenticationFailure, Read(datagram, new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Ah)));
    }

    [Fact]
    public void An_ah_datagram_where_none_is_configured_is_an_authentication_type_error() =>
        Assert.Equal(VrrpPacketStatus.AuthenticationType, Read(Adverts.IPv4(VrrpVersion.V2, authentication: Adverts.Ah), new VrrpReceivePolicy(VrrpVersion.V2)));

    [Fact]
    public void IPv6_hop_limit_64_is_an_ip_ttl_error() =>
        Assert.Equal(VrrpPacketStatus.IPTtl, VrrpDatagram.TryReadIPv6(Adverts.IPv6Message(), Adverts.Source6, Adverts.Group6, 64, s_v3, out _));

    [Fact]
    public void IPv6_list_without_a_link_local_first_is_rejected_only_when_the_policy_asks()
    {
        byte[] list = new byte[16];
        PackedIPAddress.Parse("2001:db8:51::100").WriteTo(list);
        var packet = new VrrpPacket(VrrpVersion.V3, 51, 100, 100, AddressFamily.InterNetworkV6, list);
        byte[] message = new byte[packet.Length];
        Assert.True(packet.TryWrite(message, VrrpChecksumForm.PseudoHeader, Adverts.Source6, Adverts.Group6, out _));
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv6(message, Adverts.Source6, Adverts.Group6, 255, s_v3, out _));
        Assert.Equal(VrrpPacketStatus.AddressList, VrrpDatagram.TryReadIPv6(message, Adverts.Source6, Adverts.Group6, 255, s_v3 with { RequireIPv6LinkLocalFirst = true }, out _));
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv6(Adverts.IPv6Message(), Adverts.Source6, Adverts.Group6, 255, s_v3 with { RequireIPv6LinkLocalFirst = true }, out _));
    }

    [Fact]
    public void Version_2_over_IPv6_is_a_version_error()
    {
        byte[] message = Adverts.IPv6Message();
        message[0] = 0x21;
        Assert.Equal(VrrpPacketStatus.Version, VrrpPacket.TryRead(message, AddressFamily.InterNetworkV6, out _));
    }

    [Fact]
    public void Encoding_refuses_what_the_wire_cannot_carry()
    {
        byte[] buffer = new byte[64];
        Assert.False(new VrrpPacket(VrrpVersion.V3, 1, 100, 4096, AddressFamily.InterNetwork, new byte[4]).TryWrite(buffer, default, Adverts.Source4, Adverts.Group4, out _));
        Assert.False(new VrrpPacket(VrrpVersion.V2, 1, 100, 256, AddressFamily.InterNetwork, new byte[4]).TryWrite(buffer, default, Adverts.Source4, Adverts.Group4, out _));
        Assert.False(new VrrpPacket(VrrpVersion.V3, 1, 100, 100, AddressFamily.InterNetwork, []).TryWrite(buffer, default, Adverts.Source4, Adverts.Group4, out _));
        Assert.False(new VrrpPacket(VrrpVersion.V3, 1, 100, 100, AddressFamily.InterNetwork, new byte[5]).TryWrite(buffer, default, Adverts.Source4, Adverts.Group4, out _));
        Assert.False(new VrrpPacket(VrrpVersion.V3, 1, 100, 100, AddressFamily.InterNetwork, new byte[4]).TryWrite(buffer.AsSpan(0, 11), default, Adverts.Source4, Adverts.Group4, out _));
    }

    [Fact]
    public void Authentication_keys_longer_than_eight_bytes_are_refused_with_the_allowed_range()
    {
        var error = Assert.Throws<ArgumentException>(() => VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "ninebytes"));
        Assert.Contains("1 to 8 bytes", error.Message, StringComparison.Ordinal);
    }
}
