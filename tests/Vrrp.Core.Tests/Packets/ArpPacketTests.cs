using FsCheck.Xunit;
using Vrrp.Packets;

namespace Vrrp.Tests.Packets;

/// <summary>Reading the sender of an ARP packet (RFC 826), as a master does to see another MAC announce its address.</summary>
public sealed class ArpPacketTests
{
    private static readonly MacAddress s_usurper = MacAddress.Parse("02:00:5e:51:00:03");
    private static readonly PackedIPAddress s_virtual = PackedIPAddress.Parse("198.51.100.100");

    // A reply from 198.51.100.100 at 02:00:5e:51:00:03 to 198.51.100.7 at 02:00:5e:51:00:07, field by field.
    private static readonly byte[] s_reply =
    [
        0x00, 0x01,                         // hrd: Ethernet
        0x08, 0x00,                         // pro: IPv4
        0x06, 0x04,                         // hln, pln
        0x00, 0x02,                         // op: reply
        0x02, 0x00, 0x5e, 0x51, 0x00, 0x03, // sha
        198, 51, 100, 100,                  // spa
        0x02, 0x00, 0x5e, 0x51, 0x00, 0x07, // tha
        198, 51, 100, 7,                    // tpa
    ];

    [Fact]
    public void A_reply_gives_its_sender_hardware_and_protocol_addresses()
    {
        Assert.Equal(AnnouncementStatus.Valid, ArpPacket.TryReadSender(s_reply, out MacAddress mac, out PackedIPAddress address));
        Assert.Equal(s_usurper, mac);
        Assert.Equal(s_virtual, address);
    }

    [Fact]
    public void Our_own_gratuitous_arp_reads_back_as_its_sender()
    {
        byte[] frame = new byte[GratuitousArp.FrameLength];
        Assert.True(GratuitousArp.TryWrite(frame, s_usurper, s_virtual, out int length));

        Assert.Equal(AnnouncementStatus.Valid, ArpPacket.TryReadSender(frame.AsSpan(14, length - 14), out MacAddress mac, out PackedIPAddress address));
        Assert.Equal((s_usurper, s_virtual), (mac, address));
    }

    [Fact]
    public void Every_truncation_is_refused()
    {
        for (int length = 0; length < ArpPacket.Length; length++)
        {
            Assert.Equal(AnnouncementStatus.Truncated, ArpPacket.TryReadSender(s_reply.AsSpan(0, length), out _, out _));
        }
    }

    [Theory]
    [InlineData(1, 0x06, AnnouncementStatus.UnsupportedFormat)]    // hardware: IEEE 802
    [InlineData(3, 0xDD, AnnouncementStatus.UnsupportedFormat)]    // protocol: IPv6
    [InlineData(4, 8, AnnouncementStatus.UnsupportedFormat)]       // hln
    [InlineData(5, 16, AnnouncementStatus.UnsupportedFormat)]      // pln
    [InlineData(7, 3, AnnouncementStatus.UnsupportedOperation)]    // op: RARP request
    [InlineData(7, 0, AnnouncementStatus.UnsupportedOperation)]    // op: none
    public void Anything_but_an_Ethernet_IPv4_request_or_reply_is_refused_with_its_reason(int offset, byte value, AnnouncementStatus expected)
    {
        byte[] packet = (byte[])s_reply.Clone();
        packet[offset] = value;

        Assert.Equal(expected, ArpPacket.TryReadSender(packet, out _, out _));
    }

    [Property(MaxTest = 2000)]
    public void Reading_never_throws_and_accepts_only_well_formed_headers(byte[] input)
    {
        bool read = ArpPacket.TryReadSender(input, out _, out PackedIPAddress address) == AnnouncementStatus.Valid;
        Assert.Equal(input.Length >= ArpPacket.Length && input.AsSpan(0, 6).SequenceEqual(s_reply.AsSpan(0, 6)) && input[6] == 0 && input[7] is 1 or 2, read);
        Assert.Equal(read ? 4 : 0, address.Length);
    }
}
