using System.Buffers.Binary;

namespace Vrrp.Packets;

/// <summary>
/// The gratuitous ARP a new master sends for each virtual IPv4 address (RFC 9568 §6.4.2, errata 7947 and 7949):
/// an Ethernet broadcast ARP request whose sender and target protocol addresses are both the virtual address, and
/// whose sender hardware address is the MAC in use (the virtual MAC when enabled).
/// </summary>
/// <remarks>
/// <code>
/// Ethernet: destination ff:ff:ff:ff:ff:ff | source MAC | type 0x0806
/// ARP (RFC 826):
/// +---------------+---------------+-------+-------+---------------+
/// | hrd = 1       | pro = 0x0800  | hln=6 | pln=4 | op = 1        |
/// +---------------+---------------+-------+-------+---------------+
/// | sha = MAC (6) | spa = VIP (4) | tha = ff:ff:ff:ff:ff:ff (6) | tpa = VIP (4) |
/// </code>
/// The target hardware address is broadcast, as keepalived sends it; receivers ignore it (RFC 5227 §3).
/// </remarks>
public static class GratuitousArp
{
    /// <summary>The length of the frame: 14 bytes of Ethernet and 28 of ARP. The link pads it to 60 on the wire.</summary>
    public const int FrameLength = 42;

    /// <summary>The Ethernet type of ARP.</summary>
    public const ushort EtherType = 0x0806;

    /// <summary>Writes the frame.</summary>
    /// <param name="destination">At least <see cref="FrameLength"/> bytes.</param>
    /// <param name="sourceMac">The MAC in use: the virtual MAC, or the interface's.</param>
    /// <param name="virtualAddress">The virtual IPv4 address.</param>
    /// <param name="bytesWritten"><see cref="FrameLength"/>, or 0 on failure.</param>
    /// <returns><see langword="false"/> when the destination is too small or the address is not IPv4.</returns>
    public static bool TryWrite(Span<byte> destination, MacAddress sourceMac, PackedIPAddress virtualAddress, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < FrameLength || virtualAddress.Length != 4)
        {
            return false;
        }

        MacAddress.Broadcast.WriteTo(destination);
        sourceMac.WriteTo(destination[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], EtherType);

        Span<byte> arp = destination[14..FrameLength];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);          // hardware: Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], 0x0800); // protocol: IPv4
        arp[4] = MacAddress.Length;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 1);     // request
        sourceMac.WriteTo(arp[8..]);
        virtualAddress.WriteTo(arp[14..]);
        MacAddress.Broadcast.WriteTo(arp[18..]);
        virtualAddress.WriteTo(arp[24..]);
        bytesWritten = FrameLength;
        return true;
    }
}
