using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Tests.Support;
using Vrrp.Transport;

namespace Vrrp.Tests.Transport;

/// <summary>
/// The dispatcher reads an IPv4 datagram's headers once, on the way in, and hands what they say to the router, which
/// validates the advertisement from it without reading the header again.
/// </summary>
public sealed class AdvertisementDispatcherTests
{
    [Theory]
    [InlineData(false, 20)]
    [InlineData(true, 44)] // 20 of IPv4 header, 24 of AH (RFC 2402 §2)
    public void An_IPv4_datagram_reaches_its_router_with_its_headers_read(bool ah, int messageOffset)
    {
        // Input: a VRRPv2 advert for VRID 51 (with an AH or not) dispatched with empty metadata, as a raw socket does.
        // Expected: the receiver of VRID 51 gets the header's source, destination and TTL, the message offset past
        // the AH, and the AH sequence; the advert validates from that envelope alone.
        byte[] datagram = Adverts.IPv4(VrrpVersion.V2, authentication: ah ? Adverts.Ah : null, sequence: 7);
        var dispatcher = new AdvertisementDispatcher(AddressFamily.InterNetwork);
        var receiver = new RecordingReceiver();
        dispatcher.Register(51, receiver);

        Assert.True(dispatcher.Dispatch(datagram, default));

        IPv4Envelope envelope = receiver.Last.IPv4;
        Assert.True(envelope.IsValid);
        Assert.Equal(Adverts.Source4, envelope.Source);
        Assert.Equal(Adverts.Group4, envelope.Destination);
        Assert.Equal(VrrpDatagram.RequiredHopLimit, envelope.TimeToLive);
        Assert.Equal(messageOffset, envelope.MessageOffset);
        Assert.Equal(ah, envelope.HasAuthenticationHeader);
        Assert.Equal(ah ? 7u : 0u, envelope.AuthenticationSequence);
        Assert.Equal(Adverts.Source4, receiver.Last.Source);
        var policy = new VrrpReceivePolicy(VrrpVersion.V2, ah ? Adverts.Ah : VrrpAuthentication.None);
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram, envelope, policy, out ReceivedAdvertisement advert));
        Assert.Equal(51, advert.Packet.VirtualRouterId);
    }

    [Fact]
    public void The_router_takes_the_addresses_from_the_envelope_and_does_not_read_the_header_again()
    {
        // Input: a valid VRRPv2 datagram (its checksum leaves the addresses out), validated with an envelope whose
        // source differs from the header's.
        // Expected: the advertisement carries the envelope's source: the header was not read a second time.
        byte[] datagram = Adverts.IPv4(VrrpVersion.V2);
        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4Header(datagram, out IPv4Envelope envelope));
        PackedIPAddress other = PackedIPAddress.Parse("198.51.100.99");

        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram, envelope with { Source = other }, new VrrpReceivePolicy(VrrpVersion.V2), out ReceivedAdvertisement advert));

        Assert.Equal(other, advert.Source);
    }

    [Fact]
    public void A_datagram_whose_header_fails_a_check_still_reaches_its_router_to_be_counted_there()
    {
        // Input: a valid advert whose IPv4 header checksum is broken.
        // Expected: VRID 51's receiver gets it with no envelope, and reading it says IPHeader.
        byte[] datagram = Adverts.IPv4();
        datagram[10] ^= 0xFF;
        var dispatcher = new AdvertisementDispatcher(AddressFamily.InterNetwork);
        var receiver = new RecordingReceiver();
        dispatcher.Register(51, receiver);

        Assert.True(dispatcher.Dispatch(datagram, default));

        Assert.False(receiver.Last.IPv4.IsValid);
        Assert.Equal(VrrpPacketStatus.IPHeader, VrrpDatagram.TryReadIPv4(datagram, new VrrpReceivePolicy(VrrpVersion.V3), out _));
    }

    private sealed class RecordingReceiver : IAdvertisementReceiver
    {
        public PacketMetadata Last { get; private set; }

        public void Receive(ReadOnlySpan<byte> packet, in PacketMetadata metadata) => Last = metadata;
    }
}
