using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Vrrp.Packets;

/// <summary>
/// An IPv4 or IPv6 address held as two integers in network order, so that the hot path copies, compares and
/// hashes addresses without allocating an <see cref="IPAddress"/>.
/// </summary>
/// <remarks>
/// Ordering is the unsigned comparison of the address bytes in network order, as RFC 9568 §6.4.3 asks for the
/// tie-break between two routers of equal priority. An IPv4 address sorts before every IPv6 address.
/// </remarks>
public readonly struct PackedIPAddress : IEquatable<PackedIPAddress>, IComparable<PackedIPAddress>
{
    private readonly ulong _high;
    private readonly ulong _low;
    private readonly byte _length;

    private PackedIPAddress(ulong high, ulong low, byte length)
    {
        _high = high;
        _low = low;
        _length = length;
    }

    /// <summary>Gets the address family: <see cref="AddressFamily.InterNetwork"/>, <see cref="AddressFamily.InterNetworkV6"/>, or <see cref="AddressFamily.Unspecified"/> for the default value.</summary>
    public AddressFamily Family => _length switch
    {
        4 => AddressFamily.InterNetwork,
        16 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    /// <summary>Gets the length of the address in bytes: 4, 16, or 0 for the default value.</summary>
    public int Length => _length;

    /// <summary>Gets a value indicating whether this is an IPv6 link-local unicast address (fe80::/10).</summary>
    public bool IsIPv6LinkLocal => _length == 16 && (_high >> 54) == 0x3FA;

    /// <summary>Gets a value indicating whether this is a multicast address (224.0.0.0/4 or ff00::/8).</summary>
    public bool IsMulticast => _length == 4 ? (_high >> 60) == 0xE : _length == 16 && (_high >> 56) == 0xFF;

    /// <summary>Reads an address from its 4 or 16 network-order bytes.</summary>
    /// <param name="bytes">Exactly 4 or 16 bytes.</param>
    /// <returns>The address.</returns>
    /// <exception cref="ArgumentException">The span is neither 4 nor 16 bytes long.</exception>
    public static PackedIPAddress FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => new PackedIPAddress((ulong)BinaryPrimitives.ReadUInt32BigEndian(bytes) << 32, 0, 4),
        16 => new PackedIPAddress(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), 16),
        _ => throw new ArgumentException("An IP address is 4 or 16 bytes long.", nameof(bytes)),
    };

    /// <summary>Converts an <see cref="IPAddress"/>.</summary>
    /// <param name="address">An IPv4 or IPv6 address.</param>
    /// <returns>The packed address.</returns>
    public static PackedIPAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            throw new ArgumentException("The address could not be written.", nameof(address));
        }

        return FromBytes(bytes[..written]);
    }

    /// <summary>Parses an address in its usual text form.</summary>
    /// <param name="text">For example <c>198.51.100.1</c> or <c>fe80::1</c>.</param>
    /// <returns>The packed address.</returns>
    public static PackedIPAddress Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    /// <summary>Writes the address's network-order bytes.</summary>
    /// <param name="destination">At least <see cref="Length"/> bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        if (_length == 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(_high >> 32));
        }
        else if (_length == 16)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        }
    }

    /// <summary>Tells whether the address equals the network-order bytes given.</summary>
    /// <param name="bytes">4 or 16 bytes.</param>
    /// <returns><see langword="true"/> when they are the same address.</returns>
    public bool SequenceEqual(ReadOnlySpan<byte> bytes) => bytes.Length == _length && _length switch
    {
        4 => BinaryPrimitives.ReadUInt32BigEndian(bytes) == (uint)(_high >> 32),
        16 => BinaryPrimitives.ReadUInt64BigEndian(bytes) == _high && BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) == _low,
        _ => false,
    };

    /// <summary>Adds the address's 16-bit words to a running Internet checksum sum, without writing its bytes anywhere.</summary>
    /// <param name="sum">The running sum.</param>
    /// <returns>The new sum.</returns>
    internal ulong AddToChecksum(ulong sum) => _length == 16
        ? sum + (_high >> 32) + (_high & 0xFFFF_FFFF) + (_low >> 32) + (_low & 0xFFFF_FFFF)
        : sum + (_high >> 32);

    /// <summary>Creates the <see cref="IPAddress"/> for this address. This allocates: use it at public boundaries only.</summary>
    /// <returns>The address, or <see cref="IPAddress.None"/> for the default value.</returns>
    public IPAddress ToIPAddress()
    {
        if (_length == 0)
        {
            return IPAddress.None;
        }

        Span<byte> bytes = stackalloc byte[16];
        WriteTo(bytes);
        return new IPAddress(bytes[.._length]);
    }

    /// <inheritdoc/>
    public bool Equals(PackedIPAddress other) => _high == other._high && _low == other._low && _length == other._length;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PackedIPAddress other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low, _length);

    /// <inheritdoc/>
    public int CompareTo(PackedIPAddress other)
    {
        int byLength = _length.CompareTo(other._length);
        if (byLength != 0)
        {
            return byLength;
        }

        int byHigh = _high.CompareTo(other._high);
        return byHigh != 0 ? byHigh : _low.CompareTo(other._low);
    }

    /// <inheritdoc/>
    public override string ToString() => _length == 0 ? string.Empty : ToIPAddress().ToString();

    /// <summary>Equality.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(PackedIPAddress left, PackedIPAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(PackedIPAddress left, PackedIPAddress right) => !left.Equals(right);

    /// <summary>Unsigned network-order comparison.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether <paramref name="left"/> sorts first.</returns>
    public static bool operator <(PackedIPAddress left, PackedIPAddress right) => left.CompareTo(right) < 0;

    /// <summary>Unsigned network-order comparison.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether <paramref name="left"/> sorts last.</returns>
    public static bool operator >(PackedIPAddress left, PackedIPAddress right) => left.CompareTo(right) > 0;

    /// <summary>Unsigned network-order comparison.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether <paramref name="left"/> does not sort last.</returns>
    public static bool operator <=(PackedIPAddress left, PackedIPAddress right) => left.CompareTo(right) <= 0;

    /// <summary>Unsigned network-order comparison.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether <paramref name="left"/> does not sort first.</returns>
    public static bool operator >=(PackedIPAddress left, PackedIPAddress right) => left.CompareTo(right) >= 0;
}
