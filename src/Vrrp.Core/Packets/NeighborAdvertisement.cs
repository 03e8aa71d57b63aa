using System.Buffers.Binary;

namespace Vrrp.Packets;

/// <summary>
/// Reads what a neighbour advertisement (RFC 4861 §4.4) tells the hosts that receive it: with the Override flag and
/// a target link-layer address option, that the target address now lives at that MAC (§7.2.5). A master uses it to
/// see another router announce one of its virtual IPv6 addresses; <see cref="UnsolicitedNeighborAdvertisement"/> writes them.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type 136  |     Code 0    |          Checksum             |
/// |R|S|O|                     Reserved                            |
/// |                       Target Address (16)                     |
/// |   Options: Type 2 (target link-layer address), Length 1, MAC  ...
/// </code>
/// The input is the ICMPv6 message alone, as a raw ICMPv6 socket returns it; the kernel has checked its checksum.
/// </remarks>
public static class NeighborAdvertisement
{
    /// <summary>The shortest neighbour advertisement: the fixed part and the target, without options.</summary>
    public const int MinimumLength = 24;

    private const byte Type = 136;
    private const byte TargetLinkLayerAddressOption = 2;

    /// <summary>
    /// Reads the target and its link-layer address from an advertisement with the Override flag. Never throws.
    /// </summary>
    /// <param name="message">The ICMPv6 message.</param>
    /// <param name="target">The target address.</param>
    /// <param name="targetMac">The MAC of the target link-layer address option.</param>
    /// <returns><see cref="AnnouncementStatus.Valid"/>, or why the message was refused.</returns>
    public static AnnouncementStatus TryReadOverride(ReadOnlySpan<byte> message, out PackedIPAddress target, out MacAddress targetMac)
    {
        target = default;
        targetMac = default;
        if (message.Length < MinimumLength)
        {
            return AnnouncementStatus.Truncated;
        }

        if (message[0] != Type || message[1] != 0)
        {
            return AnnouncementStatus.UnsupportedFormat;
        }

        if ((BinaryPrimitives.ReadUInt32BigEndian(message[4..]) & UnsolicitedNeighborAdvertisement.OverrideFlag) == 0)
        {
            return AnnouncementStatus.NoOverride;
        }

        // RFC 4861 §4.6: options are (type, length in units of 8 bytes, data); a length of 0 is invalid.
        ReadOnlySpan<byte> options = message[MinimumLength..];
        while (options.Length >= 2)
        {
            int length = options[1] * 8;
            if (length == 0 || length > options.Length)
            {
                return AnnouncementStatus.MalformedOption;
            }

            if (options[0] == TargetLinkLayerAddressOption && length >= 2 + MacAddress.Length)
            {
                target = PackedIPAddress.FromBytes(message.Slice(8, 16));
                targetMac = MacAddress.FromBytes(options.Slice(2, MacAddress.Length));
                return AnnouncementStatus.Valid;
            }

            options = options[length..];
        }

        return options.Length == 0 ? AnnouncementStatus.NoTargetLinkLayerAddress : AnnouncementStatus.MalformedOption;
    }
}
