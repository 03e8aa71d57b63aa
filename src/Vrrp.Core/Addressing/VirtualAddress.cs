using System.Globalization;
using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Addressing;

/// <summary>A virtual IP address with its prefix length, as <c>198.51.100.100/24</c>.</summary>
/// <param name="Address">The address.</param>
/// <param name="PrefixLength">The prefix length put on the interface with it.</param>
public readonly record struct VirtualAddress(PackedIPAddress Address, byte PrefixLength)
{
    /// <summary>Parses <c>address</c> or <c>address/prefix</c>; without a prefix, /32 for IPv4 and /128 for IPv6, as keepalived does.</summary>
    /// <param name="text">The text.</param>
    /// <param name="result">The address when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the text is an address with a prefix in range.</returns>
    public static bool TryParse(string? text, out VirtualAddress result)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string[] parts = text.Trim().Split('/');
        if (parts.Length > 2 || !System.Net.IPAddress.TryParse(parts[0], out System.Net.IPAddress? ip))
        {
            return false;
        }

        PackedIPAddress address = PackedIPAddress.FromIPAddress(ip);
        int max = address.Family == AddressFamily.InterNetworkV6 ? 128 : 32;
        int prefix = max;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix < 0 || prefix > max))
        {
            return false;
        }

        result = new VirtualAddress(address, (byte)prefix);
        return true;
    }

    /// <summary>Parses <c>address/prefix</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">The text is not an address with a prefix in range.</exception>
    public static VirtualAddress Parse(string text) =>
        TryParse(text, out VirtualAddress result) ? result : throw new FormatException($"'{text}' is not an IP address with an optional /prefix (0 to 32 for IPv4, 0 to 128 for IPv6).");

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{PrefixLength}");
}
