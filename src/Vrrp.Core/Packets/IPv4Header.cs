using System.Buffers.Binary;

namespace Vrrp.Packets;

/// <summary>
/// The IPv4 header as a raw IPv4 socket delivers it in front of each datagram (RFC 791 §3.1), and as VRRP writes it
/// when it builds whole datagrams (needed for the AH form of VRRPv2).
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |Flags|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options                    |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public readonly record struct IPv4Header
{
    /// <summary>The length of a header without options.</summary>
    public const int MinimumLength = 20;

    /// <summary>The type of service VRRP uses: DSCP CS6, network control, as keepalived sends.</summary>
    public const byte NetworkControlTos = 0xC0;

    /// <summary>Gets the header length in bytes (IHL × 4), options included.</summary>
    public int HeaderLength { get; init; }

    /// <summary>Gets the type of service byte (DSCP and ECN).</summary>
    public byte TypeOfService { get; init; }

    /// <summary>Gets the total length of the datagram, header included.</summary>
    public ushort TotalLength { get; init; }

    /// <summary>Gets the identification.</summary>
    public ushort Identification { get; init; }

    /// <summary>Gets the flags (high 3 bits) and fragment offset (low 13 bits).</summary>
    public ushort FlagsAndFragmentOffset { get; init; }

    /// <summary>Gets the time to live.</summary>
    public byte TimeToLive { get; init; }

    /// <summary>Gets the protocol of the payload: 112 for VRRP, 51 for AH.</summary>
    public byte Protocol { get; init; }

    /// <summary>Gets the header checksum as read; computed by <see cref="TryWrite"/>.</summary>
    public ushort HeaderChecksum { get; init; }

    /// <summary>Gets the source address.</summary>
    public PackedIPAddress Source { get; init; }

    /// <summary>Gets the destination address.</summary>
    public PackedIPAddress Destination { get; init; }

    /// <summary>Gets a value indicating whether the datagram is a fragment (more fragments, or a non-zero offset).</summary>
    public bool IsFragment => (FlagsAndFragmentOffset & 0x3FFF) != 0;

    /// <summary>Reads and checks the header: version 4, a header length of 20 to 60 bytes within the data, a total length within the data and not below the header length.</summary>
    /// <param name="datagram">The datagram, starting at the IPv4 header.</param>
    /// <param name="header">The header, when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="false"/> when the bytes are not a well-formed IPv4 header.</returns>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out IPv4Header header)
    {
        header = default;
        if (datagram.Length < MinimumLength || (datagram[0] >> 4) != 4)
        {
            return false;
        }

        int headerLength = (datagram[0] & 0x0F) * 4;
        ushort totalLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (headerLength < MinimumLength || headerLength > datagram.Length || totalLength < headerLength || totalLength > datagram.Length)
        {
            return false;
        }

        header = new IPv4Header
        {
            HeaderLength = headerLength,
            TypeOfService = datagram[1],
            TotalLength = totalLength,
            Identification = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]),
            FlagsAndFragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(datagram[6..]),
            TimeToLive = datagram[8],
            Protocol = datagram[9],
            HeaderChecksum = BinaryPrimitives.ReadUInt16BigEndian(datagram[10..]),
            Source = PackedIPAddress.FromBytes(datagram.Slice(12, 4)),
            Destination = PackedIPAddress.FromBytes(datagram.Slice(16, 4)),
        };
        return true;
    }

    /// <summary>Tells whether the header checksum of <paramref name="datagram"/> is correct.</summary>
    /// <param name="datagram">A datagram whose header <see cref="TryRead"/> accepted.</param>
    /// <returns><see langword="true"/> when the header sums to zero.</returns>
    public static bool VerifyHeaderChecksum(ReadOnlySpan<byte> datagram)
    {
        int headerLength = (datagram[0] & 0x0F) * 4;
        return InternetChecksum.Compute(datagram[..headerLength]) == 0;
    }

    /// <summary>Writes a 20-byte header, without options, and its checksum. <see cref="HeaderLength"/> and <see cref="HeaderChecksum"/> are ignored.</summary>
    /// <param name="destination">At least 20 bytes.</param>
    /// <param name="bytesWritten">20, or 0 when the destination is too small or the addresses are not IPv4.</param>
    /// <returns>Whether the header was written.</returns>
    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < MinimumLength || Source.Length != 4 || Destination.Length != 4)
        {
            return false;
        }

        destination[0] = 0x45;
        destination[1] = TypeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], TotalLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Identification);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], FlagsAndFragmentOffset);
        destination[8] = TimeToLive;
        destination[9] = Protocol;
        destination[10] = 0;
        destination[11] = 0;
        Source.WriteTo(destination[12..]);
        Destination.WriteTo(destination[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], InternetChecksum.Compute(destination[..MinimumLength]));
        bytesWritten = MinimumLength;
        return true;
    }

    /// <summary>
    /// Rewrites the identification of a header that <see cref="TryWrite"/> wrote, and its checksum to match by the
    /// incremental update of RFC 1624 (eqn. 3): a datagram sent again need not be summed again.
    /// </summary>
    /// <param name="header">At least the 20 bytes of the header.</param>
    /// <param name="identification">The new identification.</param>
    internal static void RewriteIdentification(Span<byte> header, ushort identification)
    {
        ushort previous = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(header[10..]);
        uint sum = (ushort)~checksum + (uint)(ushort)~previous + identification;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)~sum);
    }
}
