using System.Buffers.Binary;

namespace Vrrp.Packets;

/// <summary>
/// Reads who an ARP packet (RFC 826) says it comes from: a host that receives it learns, or refreshes, that the sender
/// protocol address lives at the sender hardware address (RFC 826 "Packet Reception"; RFC 5227 §2.1.1 on conflicts).
/// A master uses it to see another router announce one of its virtual addresses.
/// </summary>
/// <remarks>
/// <code>
/// +---------------+---------------+-------+-------+---------------+
/// | hrd = 1       | pro = 0x0800  | hln=6 | pln=4 | op (1 or 2)   |
/// +---------------+---------------+-------+-------+---------------+
/// | sha (6)       | spa (4)       | tha (6)       | tpa (4)       |
/// </code>
/// The input is the ARP packet alone, after the Ethernet header, as an <c>AF_PACKET</c>/<c>SOCK_DGRAM</c> socket
/// returns it.
/// </remarks>
public static class ArpPacket
{
    /// <summary>The length of an ARP packet for Ethernet and IPv4.</summary>
    public const int Length = 28;

    /// <summary>Reads the sender of an Ethernet/IPv4 ARP request or reply. Never throws.</summary>
    /// <param name="packet">The ARP packet.</param>
    /// <param name="senderMac">The sender hardware address.</param>
    /// <param name="senderAddress">The sender protocol address.</param>
    /// <returns><see cref="AnnouncementStatus.Valid"/>, or why the packet was refused.</returns>
    public static AnnouncementStatus TryReadSender(ReadOnlySpan<byte> packet, out MacAddress senderMac, out PackedIPAddress senderAddress)
    {
        senderMac = default;
        senderAddress = default;
        if (packet.Length < Length)
        {
            return AnnouncementStatus.Truncated;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(packet) != 1            // hardware: Ethernet
            || BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != 0x0800  // protocol: IPv4
            || packet[4] != MacAddress.Length
            || packet[5] != 4)
        {
            return AnnouncementStatus.UnsupportedFormat;
        }

        ushort operation = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        if (operation is not (1 or 2))
        {
            return AnnouncementStatus.UnsupportedOperation;
        }

        senderMac = MacAddress.FromBytes(packet.Slice(8, MacAddress.Length));
        senderAddress = PackedIPAddress.FromBytes(packet.Slice(14, 4));
        return AnnouncementStatus.Valid;
    }
}
