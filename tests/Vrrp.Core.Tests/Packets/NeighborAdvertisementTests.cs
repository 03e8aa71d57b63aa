using FsCheck.Xunit;
using Vrrp.Packets;

namespace Vrrp.Tests.Packets;

/// <summary>Reading what a neighbour advertisement (RFC 4861 §4.4) tells hosts: the target, and the MAC it moved to.</summary>
public sealed class NeighborAdvertisementTests
{
    private static readonly MacAddress s_usurper = MacAddress.Parse("02:00:5e:51:00:03");
    private static readonly PackedIPAddress s_target = PackedIPAddress.Parse("2001:db8:51::100");
    private static readonly PackedIPAddress s_source = PackedIPAddress.Parse("fe80::51:3");

    private static byte[] Message(uint flags)
    {
        byte[] frame = new byte[UnsolicitedNeighborAdvertisement.FrameLength];
        Assert.True(UnsolicitedNeighborAdvertisement.TryWrite(frame, s_usurper, s_source, s_target, flags, out int length));
        return frame[(14 + 40)..length];
    }

    [Fact]
    public void An_unsolicited_advertisement_with_override_gives_its_target_and_link_layer_address()
    {
        Assert.Equal(AnnouncementStatus.Valid, NeighborAdvertisement.TryReadOverride(Message(UnsolicitedNeighborAdvertisement.RfcFlags), out PackedIPAddress target, out MacAddress mac));
        Assert.Equal((s_target, s_usurper), (target, mac));
    }

    [Fact]
    public void Keepalived_form_with_override_alone_is_read_too()
    {
        Assert.Equal(AnnouncementStatus.Valid, NeighborAdvertisement.TryReadOverride(Message(UnsolicitedNeighborAdvertisement.OverrideFlag), out PackedIPAddress target, out _));
        Assert.Equal(s_target, target);
    }

    [Fact]
    public void Without_the_override_flag_it_moves_no_cache_entry_and_is_refused()
    {
        // RFC 4861 §7.2.5: with O = 0 an entry that has a link-layer address keeps it.
        Assert.Equal(AnnouncementStatus.NoOverride, NeighborAdvertisement.TryReadOverride(Message(UnsolicitedNeighborAdvertisement.RouterFlag | UnsolicitedNeighborAdvertisement.SolicitedFlag), out _, out _));
    }

    [Fact]
    public void Without_a_target_link_layer_option_or_with_a_zero_length_option_it_is_refused()
    {
        byte[] message = Message(UnsolicitedNeighborAdvertisement.RfcFlags);
        Assert.Equal(AnnouncementStatus.NoTargetLinkLayerAddress, NeighborAdvertisement.TryReadOverride(message.AsSpan(0, NeighborAdvertisement.MinimumLength), out _, out _));

        message[24] = 1; // source link-layer address option: not what an NA's target moved to
        Assert.Equal(AnnouncementStatus.NoTargetLinkLayerAddress, NeighborAdvertisement.TryReadOverride(message, out _, out _));

        message[24] = 2;
        message[25] = 0; // RFC 4861 §4.6: length 0 is invalid
        Assert.Equal(AnnouncementStatus.MalformedOption, NeighborAdvertisement.TryReadOverride(message, out _, out _));
    }

    [Fact]
    public void Every_truncation_is_refused_and_another_type_is_refused()
    {
        byte[] message = Message(UnsolicitedNeighborAdvertisement.RfcFlags);
        for (int length = 0; length < message.Length; length++)
        {
            Assert.NotEqual(AnnouncementStatus.Valid, NeighborAdvertisement.TryReadOverride(message.AsSpan(0, length), out _, out _));
        }

        message[0] = 135; // neighbour solicitation
        Assert.Equal(AnnouncementStatus.UnsupportedFormat, NeighborAdvertisement.TryReadOverride(message, out _, out _));
    }

    [Property(MaxTest = 2000)]
    public void Reading_never_throws(byte[] input)
    {
        bool read = NeighborAdvertisement.TryReadOverride(input, out PackedIPAddress target, out _) == AnnouncementStatus.Valid;
        Assert.Equal(read ? 16 : 0, target.Length);
    }
}
