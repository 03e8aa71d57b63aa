using System.Buffers.Binary;

namespace Vrrp.Packets;

/// <summary>
/// The unsolicited neighbour advertisement a new master sends for each virtual IPv6 address (RFC 9568 §6.4.2,
/// RFC 4861 §4.4 and §7.2.6): ICMPv6 type 136 to ff02::1 with hop limit 255, Router = 1, Solicited = 0,
/// Override = 1, and a target link-layer address option carrying the MAC in use.
/// </summary>
/// <remarks>
/// <code>
/// Ethernet: 33:33:00:00:00:01 | source MAC | 0x86dd
/// IPv6: version 6, payload length 32, next header 58, hop limit 255, source, ff02::1
///  0                   1                   2                   3
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type 136  |     Code 0    |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|S|O|                     Reserved                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Target Address (16)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type 2      |   Length 1    |    Link-Layer Address (6)  ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// keepalived 2.2.7 sends the Override flag alone, with the virtual address as the IPv6 source; the flags and the
/// source are parameters so both forms can be written.
/// </remarks>
public static class UnsolicitedNeighborAdvertisement
{
    /// <summary>The length of the whole Ethernet frame.</summary>
    public const int FrameLength = EthernetHeaderLength + IPv6HeaderLength + IcmpLength;

    /// <summary>The Router flag.</summary>
    public const uint RouterFlag = 0x8000_0000;

    /// <summary>The Solicited flag.</summary>
    public const uint SolicitedFlag = 0x4000_0000;

    /// <summary>The Override flag.</summary>
    public const uint OverrideFlag = 0x2000_0000;

    /// <summary>The flags RFC 9568 §6.4.2 asks for: Router and Override.</summary>
    public const uint RfcFlags = RouterFlag | OverrideFlag;

    private const int EthernetHeaderLength = 14;
    private const int IPv6HeaderLength = 40;
    private const int IcmpLength = 32;
    private const byte IcmpV6 = 58;
    private const byte NeighborAdvertisementType = 136;
    private const byte TargetLinkLayerAddressOption = 2;

    /// <summary>Gets the all-nodes multicast address ff02::1.</summary>
    public static PackedIPAddress AllNodes { get; } = PackedIPAddress.Parse("ff02::1");

    /// <summary>Writes the frame, Ethernet header included, for an <c>AF_PACKET</c> socket.</summary>
    /// <param name="destination">At least <see cref="FrameLength"/> bytes.</param>
    /// <param name="sourceMac">The MAC in use: the virtual MAC, or the interface's. It goes in the Ethernet source and the option.</param>
    /// <param name="source">The IPv6 source address: the interface's link-local address, or (as keepalived does) the virtual address.</param>
    /// <param name="target">The virtual IPv6 address announced.</param>
    /// <param name="flags">The R, S and O flags: normally <see cref="RfcFlags"/>.</param>
    /// <param name="bytesWritten"><see cref="FrameLength"/>, or 0 on failure.</param>
    /// <returns><see langword="false"/> when the destination is too small or an address is not IPv6.</returns>
    public static bool TryWrite(Span<byte> destination, MacAddress sourceMac, PackedIPAddress source, PackedIPAddress target, uint flags, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < FrameLength || source.Length != 16 || target.Length != 16)
        {
            return false;
        }

        MacAddress.ForIPv6Multicast(AllNodes).WriteTo(destination);
        sourceMac.WriteTo(destination[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], 0x86DD);

        Span<byte> ip = destination.Slice(EthernetHeaderLength, IPv6HeaderLength);
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000); // version 6, traffic class 0, flow label 0
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], IcmpLength);
        ip[6] = IcmpV6;
        ip[7] = VrrpDatagram.RequiredHopLimit; // RFC 4861 §7.1.2: receivers drop NAs whose hop limit is not 255
        source.WriteTo(ip[8..]);
        AllNodes.WriteTo(ip[24..]);

        Span<byte> icmp = destination.Slice(EthernetHeaderLength + IPv6HeaderLength, IcmpLength);
        icmp[0] = NeighborAdvertisementType;
        icmp[1] = 0;
        icmp[2] = 0;
        icmp[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], flags & (RouterFlag | SolicitedFlag | OverrideFlag));
        target.WriteTo(icmp[8..]);
        icmp[24] = TargetLinkLayerAddressOption;
        icmp[25] = 1; // in units of 8 bytes
        sourceMac.WriteTo(icmp[26..]);

        // RFC 4443 §2.3: the checksum covers the RFC 8200 §8.1 pseudo-header and the ICMPv6 message.
        ulong sum = InternetChecksum.Accumulate(0, ip.Slice(8, 32));
        sum += IcmpLength + (uint)IcmpV6;
        sum = InternetChecksum.Accumulate(sum, icmp);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Complete(sum));
        bytesWritten = FrameLength;
        return true;
    }
}
