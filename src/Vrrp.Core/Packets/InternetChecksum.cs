using System.Buffers.Binary;

namespace Vrrp.Packets;

/// <summary>
/// The Internet checksum of RFC 1071: the 16-bit one's complement of the one's complement sum of the data,
/// taken as big-endian 16-bit words, an odd trailing byte padded with zero.
/// </summary>
/// <remarks>
/// Sums are accumulated in 64 bits, eight bytes at a time, and folded only once at the end; the one's
/// complement sum is independent of word order (RFC 1071 §2 (B)), which makes the wide steps valid.
/// </remarks>
public static class InternetChecksum
{
    /// <summary>Computes the checksum of <paramref name="data"/>.</summary>
    /// <param name="data">The bytes to sum.</param>
    /// <returns>The checksum, in host order, ready to be written big-endian.</returns>
    public static ushort Compute(ReadOnlySpan<byte> data) => Complete(Accumulate(0, data));

    /// <summary>Adds <paramref name="data"/> to a running sum. Every span but the last must have an even length.</summary>
    /// <param name="sum">The running sum, 0 to start.</param>
    /// <param name="data">The bytes to add.</param>
    /// <returns>The new running sum, to pass to <see cref="Complete"/>.</returns>
    public static ulong Accumulate(ulong sum, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            // Two 32-bit halves keep the 64-bit accumulator from overflowing for any datagram size.
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data);
            sum += (word >> 32) + (word & 0xFFFF_FFFF);
            data = data[8..];
        }

        if (data.Length >= 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data);
            data = data[4..];
        }

        if (data.Length >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[2..];
        }

        if (data.Length == 1)
        {
            sum += (uint)data[0] << 8;
        }

        return sum;
    }

    /// <summary>Adds one big-endian 16-bit word to a running sum.</summary>
    /// <param name="sum">The running sum.</param>
    /// <param name="word">The word, as it would be read big-endian.</param>
    /// <returns>The new running sum.</returns>
    public static ulong Accumulate(ulong sum, ushort word) => sum + word;

    /// <summary>Folds a running sum to 16 bits and complements it.</summary>
    /// <param name="sum">The running sum.</param>
    /// <returns>The checksum.</returns>
    public static ushort Complete(ulong sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
