using System.Globalization;
using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Routing;

// The words virtual routes and rules share, read as iproute2 and keepalived read them.
internal static class RouteWords
{
    public const uint MainTable = 254;

    // iproute2's rt_protos names (keepalived reads the same file); a name of /etc/iproute2/rt_protos.d is not known here.
    private static readonly (string Name, byte Number)[] s_protocols =
    [
        ("redirect", 1), ("kernel", 2), ("boot", 3), ("static", 4), ("gated", 8), ("ra", 9), ("mrt", 10),
        ("zebra", 11), ("bird", 12), ("dnrouted", 13), ("xorp", 14), ("ntk", 15), ("dhcp", 16), ("keepalived", 18),
        ("babel", 42), ("bgp", 186), ("isis", 187), ("ospf", 188), ("rip", 189), ("eigrp", 192),
    ];

    // A route's protocol: a number 1 to 255, or one of iproute2's names (static, bird, ...).
    public static bool TryParseProtocol(string text, out byte protocol)
    {
        foreach ((string name, byte number) in s_protocols)
        {
            if (name == text)
            {
                protocol = number;
                return true;
            }
        }

        // Not 0 (unspec): a delete naming it would match a route of any protocol.
        return byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out protocol) && protocol != 0;
    }

    // main, local, default, or a number (not unspec, 0).
    public static bool TryParseTable(string text, out uint table)
    {
        table = text switch { "main" => 254, "local" => 255, "default" => 253, _ => 0 };
        return table != 0 || (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out table) && table != 0);
    }

    public static string TableName(uint table) => table switch
    {
        254 => "main",
        255 => "local",
        253 => "default",
        _ => table.ToString(CultureInfo.InvariantCulture),
    };

    // ADDRESS[/PREFIX], or default/all/any (the whole family, IPv4 unless the family is known to be IPv6).
    public static bool TryParsePrefix(string text, AddressFamily family, out PackedIPAddress address, out byte prefixLength)
    {
        address = default;
        prefixLength = 0;
        if (text is "default" or "all" or "any")
        {
            address = family == AddressFamily.InterNetworkV6 ? PackedIPAddress.Parse("::") : PackedIPAddress.Parse("0.0.0.0");
            return true;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!TryParseAddress(slash < 0 ? text : text[..slash], out address))
        {
            return false;
        }

        int max = address.Family == AddressFamily.InterNetworkV6 ? 128 : 32;
        int prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }

        prefixLength = (byte)prefix;
        return true;
    }

    // A plain address: dotted quad for IPv4 (as inet_pton reads it), any IPv6 form.
    public static bool TryParseAddress(string text, out PackedIPAddress address)
    {
        address = default;
        if (!System.Net.IPAddress.TryParse(text, out System.Net.IPAddress? ip)
            || (ip.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
            || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        address = PackedIPAddress.FromIPAddress(ip);
        return true;
    }

    public static bool IsInterfaceName(string text) => text.Length is > 0 and <= 15 && !text.Contains('/', StringComparison.Ordinal) && text is not ("." or "..");

    public static string Prefix(PackedIPAddress address, byte prefixLength) =>
        string.Create(CultureInfo.InvariantCulture, $"{address}/{prefixLength}");
}
