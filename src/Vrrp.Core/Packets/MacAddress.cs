using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;

namespace Vrrp.Packets;

/// <summary>A 48-bit Ethernet address held in an integer, so it is copied and compared without allocating.</summary>
public readonly struct MacAddress : IEquatable<MacAddress>
{
    /// <summary>The length of a MAC address in bytes.</summary>
    public const int Length = 6;

    private readonly ulong _value;

    private MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFF;

    /// <summary>Gets the broadcast address ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFF);

    /// <summary>
    /// Returns the virtual router MAC address of RFC 9568 §7.3: 00-00-5E-00-01-{VRID} for IPv4,
    /// 00-00-5E-00-02-{VRID} for IPv6.
    /// </summary>
    /// <param name="family">The virtual router's address family.</param>
    /// <param name="virtualRouterId">The VRID, 1 to 255.</param>
    /// <returns>The virtual MAC.</returns>
    public static MacAddress ForVirtualRouter(AddressFamily family, byte virtualRouterId)
    {
        ulong block = family == AddressFamily.InterNetworkV6 ? 0x00005E0002UL : 0x00005E0001UL;
        return new MacAddress((block << 8) | virtualRouterId);
    }

    /// <summary>Returns the Ethernet multicast address that carries an IPv6 multicast group (RFC 2464 §7: 33-33 and the low 32 bits).</summary>
    /// <param name="group">An IPv6 multicast address.</param>
    /// <returns>The MAC address.</returns>
    public static MacAddress ForIPv6Multicast(PackedIPAddress group)
    {
        Span<byte> bytes = stackalloc byte[16];
        group.WriteTo(bytes);
        return new MacAddress(0x3333_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]));
    }

    /// <summary>Returns the Ethernet multicast address that carries an IPv4 multicast group (RFC 1112 §6.4: 01-00-5E and the low 23 bits).</summary>
    /// <param name="group">An IPv4 multicast address.</param>
    /// <returns>The MAC address.</returns>
    public static MacAddress ForIPv4Multicast(PackedIPAddress group)
    {
        Span<byte> bytes = stackalloc byte[4];
        group.WriteTo(bytes);
        return new MacAddress(0x0100_5E00_0000UL | (BinaryPrimitives.ReadUInt32BigEndian(bytes) & 0x7F_FFFF));
    }

    /// <summary>Reads a MAC address from six bytes.</summary>
    /// <param name="bytes">At least six bytes; the first six are read.</param>
    /// <returns>The address.</returns>
    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes.Length, Length, nameof(bytes));
        return new MacAddress(((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]));
    }

    /// <summary>Parses <c>00:00:5e:00:01:33</c> or <c>00-00-5E-00-01-33</c>.</summary>
    /// <param name="text">Six hexadecimal octets separated by colons or hyphens.</param>
    /// <returns>The address.</returns>
    public static MacAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':', '-');
        if (parts.Length != Length)
        {
            throw new FormatException($"'{text}' is not a MAC address: six hexadecimal octets are expected.");
        }

        ulong value = 0;
        foreach (string part in parts)
        {
            value = (value << 8) | byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return new MacAddress(value);
    }

    /// <summary>Writes the six bytes of the address.</summary>
    /// <param name="destination">At least six bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <inheritdoc/>
    public bool Equals(MacAddress other) => _value == other._value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>Formats as six lower-case hexadecimal octets separated by colons, as <c>ip link</c> shows them.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(byte)(_value >> 40):x2}:{(byte)(_value >> 32):x2}:{(byte)(_value >> 24):x2}:{(byte)(_value >> 16):x2}:{(byte)(_value >> 8):x2}:{(byte)_value:x2}");

    /// <summary>Equality.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(MacAddress left, MacAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">The first address.</param>
    /// <param name="right">The second address.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(MacAddress left, MacAddress right) => !left.Equals(right);
}
