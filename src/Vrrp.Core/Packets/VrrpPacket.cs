using System.Buffers.Binary;
using System.Net.Sockets;

namespace Vrrp.Packets;

/// <summary>
/// A VRRP advertisement: a view over received bytes, or the fields of one to send. Nothing is copied and nothing is
/// allocated: the addresses and the authentication data stay spans over the caller's memory.
/// </summary>
/// <remarks>
/// <code>
/// VRRPv3, RFC 9568 §5.1                         VRRPv2, RFC 3768 §5.1
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |(rsvd) |     Max Adver Int     |          Checksum             |   v3
/// |   Auth Type   |   Adver Int   |          Checksum             |   v2
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       IPvX Address(es)                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                Authentication Data (8 bytes, v2 only)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public readonly ref struct VrrpPacket
{
    /// <summary>The length of the fixed header before the addresses.</summary>
    public const int HeaderLength = 8;

    /// <summary>The length of the VRRPv2 authentication data that follows the addresses.</summary>
    public const int AuthenticationDataLength = 8;

    /// <summary>The only packet type, Advertisement (RFC 9568 §5.2.2).</summary>
    public const byte AdvertisementType = 1;

    /// <summary>The IP protocol number of VRRP (RFC 9568 §5.1.1.4).</summary>
    public const byte IPProtocol = 112;

    /// <summary>The largest VRRPv3 interval, 4095 centiseconds: the field has 12 bits (RFC 9568 §5.2.7).</summary>
    public const ushort MaxV3Interval = 0x0FFF;

    /// <summary>Initializes the fields of an advertisement to send.</summary>
    /// <param name="version">The protocol version.</param>
    /// <param name="virtualRouterId">The VRID, 1 to 255.</param>
    /// <param name="priority">The priority: 255 for the address owner, 0 to release mastership.</param>
    /// <param name="advertisementInterval">Centiseconds for VRRPv3 (1 to 4095), seconds for VRRPv2 (1 to 255).</param>
    /// <param name="family">The address family of <paramref name="addresses"/>.</param>
    /// <param name="addresses">The virtual addresses, 4 or 16 bytes each, back to back in network order.</param>
    /// <param name="authenticationType">VRRPv2 only: the Auth Type field.</param>
    /// <param name="authenticationData">VRRPv2 only: up to eight bytes, zero padded on the wire.</param>
    public VrrpPacket(
        VrrpVersion version,
        byte virtualRouterId,
        byte priority,
        ushort advertisementInterval,
        AddressFamily family,
        ReadOnlySpan<byte> addresses,
        VrrpAuthenticationType authenticationType = VrrpAuthenticationType.None,
        ReadOnlySpan<byte> authenticationData = default)
    {
        Version = version;
        Type = AdvertisementType;
        VirtualRouterId = virtualRouterId;
        Priority = priority;
        AddressLength = family == AddressFamily.InterNetworkV6 ? 16 : 4;
        AddressCount = (byte)Math.Min(addresses.Length / AddressLength, byte.MaxValue);
        AdvertisementInterval = advertisementInterval;
        AuthenticationType = authenticationType;
        Addresses = addresses;
        AuthenticationData = authenticationData;
        Checksum = 0;
    }

    /// <summary>Gets the protocol version.</summary>
    public VrrpVersion Version { get; private init; }

    /// <summary>Gets the packet type; always <see cref="AdvertisementType"/> in a valid packet.</summary>
    public byte Type { get; private init; }

    /// <summary>Gets the virtual router identifier (VRID).</summary>
    public byte VirtualRouterId { get; private init; }

    /// <summary>Gets the sender's priority: 255 for the owner, 0 when the master releases its role.</summary>
    public byte Priority { get; private init; }

    /// <summary>Gets the number of addresses, as the Count IPvX Addr field says.</summary>
    public byte AddressCount { get; private init; }

    /// <summary>Gets the length of one address: 4 for IPv4, 16 for IPv6.</summary>
    public int AddressLength { get; private init; }

    /// <summary>Gets the interval field as sent: centiseconds in VRRPv3, seconds in VRRPv2.</summary>
    public ushort AdvertisementInterval { get; private init; }

    /// <summary>Gets the interval in centiseconds, whatever the version.</summary>
    public int AdvertisementIntervalCentiseconds => Version == VrrpVersion.V2 ? AdvertisementInterval * 100 : AdvertisementInterval;

    /// <summary>Gets the VRRPv2 Auth Type; <see cref="VrrpAuthenticationType.None"/> in VRRPv3.</summary>
    public VrrpAuthenticationType AuthenticationType { get; private init; }

    /// <summary>Gets the checksum read from the wire; zero for a packet built to send.</summary>
    public ushort Checksum { get; private init; }

    /// <summary>Gets the addresses, <see cref="AddressLength"/> bytes each, in network order.</summary>
    public ReadOnlySpan<byte> Addresses { get; private init; }

    /// <summary>Gets the VRRPv2 authentication data (eight bytes when read); empty in VRRPv3.</summary>
    public ReadOnlySpan<byte> AuthenticationData { get; private init; }

    /// <summary>Gets the encoded length of the message: header, addresses and, in VRRPv2, authentication data.</summary>
    public int Length => HeaderLength + (AddressCount * AddressLength) + (Version == VrrpVersion.V2 ? AuthenticationDataLength : 0);

    /// <summary>Returns address <paramref name="index"/> of the list.</summary>
    /// <param name="index">From 0 to <see cref="AddressCount"/> − 1.</param>
    /// <returns>The address.</returns>
    public PackedIPAddress GetAddress(int index) => PackedIPAddress.FromBytes(Addresses.Slice(index * AddressLength, AddressLength));

    /// <summary>
    /// Reads a VRRP message and checks what can be checked on the message alone, except the checksum:
    /// length, version, type, address count and interval.
    /// </summary>
    /// <param name="message">The bytes after the IP header (and after AH, if any). Trailing bytes are ignored, as Ethernet padding must be.</param>
    /// <param name="family">The family of the IP header that carried the message: it sets the address length.</param>
    /// <param name="packet">The packet when the result is <see cref="VrrpPacketStatus.Valid"/>.</param>
    /// <returns>Why the packet must be discarded, or <see cref="VrrpPacketStatus.Valid"/>.</returns>
    public static VrrpPacketStatus TryRead(ReadOnlySpan<byte> message, AddressFamily family, out VrrpPacket packet)
    {
        packet = default;
        if (message.Length < HeaderLength)
        {
            return VrrpPacketStatus.PacketLength;
        }

        // RFC 9568 §7.1: the version MUST be 3 (2 for a VRRPv2 router, RFC 3768 §7.1); VRRPv2 has no IPv6 form.
        int version = message[0] >> 4;
        bool isV6 = family == AddressFamily.InterNetworkV6;
        if (version != 3 && (version != 2 || isV6))
        {
            return VrrpPacketStatus.Version;
        }

        // RFC 9568 §5.2.2: "A packet with unknown type MUST be discarded."
        byte type = (byte)(message[0] & 0x0F);
        if (type != AdvertisementType)
        {
            return VrrpPacketStatus.InvalidType;
        }

        // RFC 9568 §5.2.5 and erratum 8299: a count of zero is not a valid VRRPv3 advertisement. RFC 3768 sets no such
        // floor for VRRPv2, and keepalived sends a VRRPv2 instance without virtual addresses with a count of zero.
        byte count = message[3];
        if (count == 0 && version == 3)
        {
            return VrrpPacketStatus.AddressCount;
        }

        int addressLength = isV6 ? 16 : 4;
        int trailer = version == 2 ? AuthenticationDataLength : 0;
        int length = HeaderLength + (count * addressLength) + trailer;
        if (message.Length < length)
        {
            return VrrpPacketStatus.PacketLength;
        }

        // RFC 9568 §5.2.7: 12 bits of centiseconds after 4 reserved bits, ignored on receive; RFC 3768 §5.3.7: 8 bits of seconds.
        ushort interval = version == 3
            ? (ushort)(BinaryPrimitives.ReadUInt16BigEndian(message[4..]) & MaxV3Interval)
            : message[5];
        if (interval == 0)
        {
            return VrrpPacketStatus.Interval;
        }

        packet = new VrrpPacket
        {
            Version = (VrrpVersion)version,
            Type = type,
            VirtualRouterId = message[1],
            Priority = message[2],
            AddressCount = count,
            AddressLength = addressLength,
            AdvertisementInterval = interval,
            AuthenticationType = version == 2 ? (VrrpAuthenticationType)message[4] : VrrpAuthenticationType.None,
            Checksum = BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            Addresses = message.Slice(HeaderLength, count * addressLength),
            AuthenticationData = message.Slice(HeaderLength + (count * addressLength), trailer),
        };
        return VrrpPacketStatus.Valid;
    }

    /// <summary>Writes the message with its checksum.</summary>
    /// <param name="destination">Where to write; at least <see cref="Length"/> bytes.</param>
    /// <param name="form">The checksum form. Ignored in VRRPv2 (message only) and for IPv6 (pseudo-header always).</param>
    /// <param name="source">The IP source address, for the pseudo-header.</param>
    /// <param name="destinationAddress">The IP destination address (the group, or the unicast peer), for the pseudo-header.</param>
    /// <param name="bytesWritten">The number of bytes written.</param>
    /// <returns><see langword="false"/> when the destination is too small or the fields cannot be encoded.</returns>
    public bool TryWrite(Span<byte> destination, VrrpChecksumForm form, PackedIPAddress source, PackedIPAddress destinationAddress, out int bytesWritten)
    {
        bytesWritten = 0;
        int length = Length;
        bool isV2 = Version == VrrpVersion.V2;
        if (destination.Length < length
            || (AddressCount == 0 && !isV2)
            || Addresses.Length != AddressCount * AddressLength
            || AuthenticationData.Length > AuthenticationDataLength
            || (isV2 && (AdvertisementInterval > byte.MaxValue || AddressLength != 4))
            || (!isV2 && AdvertisementInterval > MaxV3Interval))
        {
            return false;
        }

        Span<byte> message = destination[..length];
        message[0] = (byte)(((byte)Version << 4) | AdvertisementType);
        message[1] = VirtualRouterId;
        message[2] = Priority;
        message[3] = AddressCount;
        if (isV2)
        {
            message[4] = (byte)AuthenticationType;
            message[5] = (byte)AdvertisementInterval;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(message[4..], AdvertisementInterval);
        }

        message[6] = 0;
        message[7] = 0;
        Addresses.CopyTo(message[HeaderLength..]);
        if (isV2)
        {
            Span<byte> authentication = message.Slice(HeaderLength + Addresses.Length, AuthenticationDataLength);
            authentication.Clear();
            AuthenticationData.CopyTo(authentication);
        }

        BinaryPrimitives.WriteUInt16BigEndian(message[6..], ComputeChecksum(message, Version, EffectiveForm(Version, AddressLength, form), source, destinationAddress));
        bytesWritten = length;
        return true;
    }

    /// <summary>
    /// Checks the checksum of a message that <see cref="TryRead"/> accepted. VRRPv3 over IPv4 is accepted in either
    /// form; <paramref name="form"/> tells which one the sender used.
    /// </summary>
    /// <param name="message">The same bytes that were read.</param>
    /// <param name="source">The IP source address.</param>
    /// <param name="destinationAddress">The IP destination address.</param>
    /// <param name="form">The form that matched.</param>
    /// <returns><see langword="true"/> when a permitted form matched.</returns>
    public bool VerifyChecksum(ReadOnlySpan<byte> message, PackedIPAddress source, PackedIPAddress destinationAddress, out VrrpChecksumForm form)
    {
        ReadOnlySpan<byte> covered = message[..Length];
        form = EffectiveForm(Version, AddressLength, VrrpChecksumForm.PseudoHeader);
        if (ComputeChecksum(covered, Version, form, source, destinationAddress) == Checksum)
        {
            return true;
        }

        if (Version == VrrpVersion.V3 && AddressLength == 4)
        {
            form = VrrpChecksumForm.MessageOnly;
            return ComputeChecksum(covered, Version, form, source, destinationAddress) == Checksum;
        }

        return false;
    }

    /// <summary>
    /// Computes the checksum of an encoded message as if its checksum field were zero.
    /// </summary>
    /// <param name="message">The encoded message.</param>
    /// <param name="version">The version, which decides the forms allowed.</param>
    /// <param name="form">The form wanted; forced to the only one allowed for VRRPv2 and IPv6.</param>
    /// <param name="source">The IP source address.</param>
    /// <param name="destinationAddress">The IP destination address.</param>
    /// <returns>The checksum.</returns>
    public static ushort ComputeChecksum(ReadOnlySpan<byte> message, VrrpVersion version, VrrpChecksumForm form, PackedIPAddress source, PackedIPAddress destinationAddress)
    {
        ulong sum = InternetChecksum.Accumulate(0, message[..6]);
        sum = InternetChecksum.Accumulate(sum, message[8..]);
        if (EffectiveForm(version, source.Length, form) == VrrpChecksumForm.PseudoHeader)
        {
            // RFC 768-style IPv4 pseudo-header and RFC 8200 §8.1 IPv6 pseudo-header sum to the same words:
            // source, destination, upper-layer length, and the protocol number.
            sum = destinationAddress.AddToChecksum(source.AddToChecksum(sum));
            sum += (uint)message.Length + IPProtocol;
        }

        return InternetChecksum.Complete(sum);
    }

    private static VrrpChecksumForm EffectiveForm(VrrpVersion version, int addressLength, VrrpChecksumForm form) =>
        version == VrrpVersion.V2 ? VrrpChecksumForm.MessageOnly
        : addressLength == 16 ? VrrpChecksumForm.PseudoHeader
        : form;
}
