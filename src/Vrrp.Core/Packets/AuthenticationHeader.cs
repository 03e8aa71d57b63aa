using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vrrp.Packets;

/// <summary>
/// The IP Authentication Header as VRRPv2 uses it (RFC 2338 §5.3.6.3, RFC 2402, HMAC-MD5-96 of RFC 2403), in the
/// form keepalived sends: SPI = the sender's IPv4 address, a sequence number that grows by one per advertisement.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Header   |  Payload Len  |          RESERVED             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Security Parameters Index (SPI)               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Sequence Number Field                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        Integrity Check Value: 96 bits of HMAC-MD5             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The ICV covers the IPv4 header with its mutable fields zeroed (type of service, flags and fragment offset, header
/// checksum; and the TTL for unicast, as keepalived does), the AH with a zero ICV, and the VRRP message.
/// </remarks>
public static class AuthenticationHeader
{
    /// <summary>The IP protocol number of AH.</summary>
    public const byte IPProtocol = 51;

    /// <summary>The length of the header with its 96-bit ICV.</summary>
    public const int Length = 24;

    /// <summary>The length of the integrity check value: 96 bits.</summary>
    public const int IcvLength = 12;

    // RFC 2402 §2.2: the length of AH in 32-bit words, minus 2.
    private const byte PayloadLength = (Length / 4) - 2;

    private const int IcvOffset = 12;

    // The largest datagram a VRRPv2 router can send: an IPv4 header with options, AH, and 255 addresses.
    private const int MaxCoveredLength = 60 + Length + VrrpPacket.HeaderLength + (255 * 4) + VrrpPacket.AuthenticationDataLength;

    /// <summary>Reads the header after an IPv4 header.</summary>
    /// <param name="payload">The bytes after the IPv4 header.</param>
    /// <param name="nextHeader">The protocol that follows AH (112 for VRRP).</param>
    /// <param name="securityParametersIndex">The SPI.</param>
    /// <param name="sequenceNumber">The sequence number.</param>
    /// <returns><see langword="false"/> when the bytes are too short or the payload length is not that of a 96-bit ICV.</returns>
    public static bool TryRead(ReadOnlySpan<byte> payload, out byte nextHeader, out uint securityParametersIndex, out uint sequenceNumber)
    {
        nextHeader = 0;
        securityParametersIndex = 0;
        sequenceNumber = 0;
        if (payload.Length < Length || payload[1] != PayloadLength)
        {
            return false;
        }

        nextHeader = payload[0];
        securityParametersIndex = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        sequenceNumber = BinaryPrimitives.ReadUInt32BigEndian(payload[8..]);
        return true;
    }

    /// <summary>Writes the header with a zero ICV; <see cref="Sign"/> fills it in once the datagram is complete.</summary>
    /// <param name="destination">At least <see cref="Length"/> bytes.</param>
    /// <param name="securityParametersIndex">The SPI: keepalived uses the sender's IPv4 address.</param>
    /// <param name="sequenceNumber">The sequence number.</param>
    public static void Write(Span<byte> destination, uint securityParametersIndex, uint sequenceNumber)
    {
        destination[0] = VrrpPacket.IPProtocol;
        destination[1] = PayloadLength;
        destination[2] = 0;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], securityParametersIndex);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], sequenceNumber);
        destination.Slice(IcvOffset, IcvLength).Clear();
    }

    /// <summary>Computes the ICV of a complete datagram and writes it into its AH.</summary>
    /// <param name="datagram">The IPv4 datagram: header, AH, VRRP.</param>
    /// <param name="key">The HMAC key (the password, zero padded).</param>
    /// <returns><see langword="false"/> when the datagram is malformed.</returns>
    public static bool Sign(Span<byte> datagram, ReadOnlySpan<byte> key)
    {
        Span<byte> icv = stackalloc byte[IcvLength];
        if (!TryComputeIcv(datagram, key, icv))
        {
            return false;
        }

        int headerLength = (datagram[0] & 0x0F) * 4;
        icv.CopyTo(datagram.Slice(headerLength + IcvOffset, IcvLength));
        return true;
    }

    /// <summary>Checks the ICV of a received datagram, in constant time.</summary>
    /// <param name="datagram">The IPv4 datagram: header, AH, VRRP, as far as the total length says.</param>
    /// <param name="key">The HMAC key.</param>
    /// <returns><see langword="true"/> when the ICV matches.</returns>
    public static bool Verify(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> key)
    {
        Span<byte> icv = stackalloc byte[IcvLength];
        if (!TryComputeIcv(datagram, key, icv))
        {
            return false;
        }

        int headerLength = (datagram[0] & 0x0F) * 4;
        return CryptographicOperations.FixedTimeEquals(icv, datagram.Slice(headerLength + IcvOffset, IcvLength));
    }

    private static bool TryComputeIcv(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> key, Span<byte> icv)
    {
        if (datagram.Length < IPv4Header.MinimumLength)
        {
            return false;
        }

        int headerLength = (datagram[0] & 0x0F) * 4;
        if (headerLength < IPv4Header.MinimumLength || datagram.Length < headerLength + Length || datagram.Length > MaxCoveredLength)
        {
            return false;
        }

        Span<byte> covered = stackalloc byte[MaxCoveredLength];
        covered = covered[..datagram.Length];
        datagram.CopyTo(covered);

        // RFC 2402 §3.3.3.1.1.1: mutable IPv4 fields are zeroed for the ICV.
        covered[1] = 0;
        covered[6] = 0;
        covered[7] = 0;
        covered[10] = 0;
        covered[11] = 0;

        // keepalived keeps the TTL of multicast adverts in the ICV (it is always 255 there) but zeroes it for unicast.
        bool isMulticast = (covered[16] >> 4) == 0xE;
        if (!isMulticast)
        {
            covered[8] = 0;
        }

        covered.Slice(headerLength + IcvOffset, IcvLength).Clear();

        Span<byte> digest = stackalloc byte[HMACMD5.HashSizeInBytes];
#pragma warning disable CA5351 // HMAC-MD5-96 is what RFC 2338 and keepalived's AH use: a wire format, not a choice.
        HMACMD5.HashData(key, covered, digest);
#pragma warning restore CA5351
        digest[..IcvLength].CopyTo(icv);
        return true;
    }
}
