using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Vrrp.Addressing;
using Vrrp.Packets;

namespace Vrrp.Routing;

/// <summary>
/// A route a master holds with its addresses (keepalived's <c>virtual_routes</c>): added after the addresses on becoming
/// master, removed before them on leaving it. Written as keepalived and <c>ip route</c> write it:
/// <c>[TYPE] DESTINATION [via GATEWAY] [dev IF] [src ADDRESS] [metric N] [table T] [scope S] [tos N] [realms R]
/// [pref P] [METRICS] [onlink] [no_track]</c>, where METRICS are <see cref="RouteMetrics"/>' words.
/// </summary>
public sealed record VirtualRoute
{
    /// <summary>Gets the family of the route.</summary>
    public AddressFamily Family { get; init; } = AddressFamily.InterNetwork;

    /// <summary>Gets the destination network's address.</summary>
    public PackedIPAddress Destination { get; init; }

    /// <summary>Gets the destination network's prefix length (0 for <c>default</c>).</summary>
    public byte PrefixLength { get; init; }

    /// <summary>Gets the route's type.</summary>
    public RouteType Type { get; init; } = RouteType.Unicast;

    /// <summary>Gets the gateway (<c>via</c>), or an empty address for a route to a link.</summary>
    public PackedIPAddress Gateway { get; init; }

    /// <summary>Gets the output interface (<c>dev</c>), or <see langword="null"/>.</summary>
    public string? Device { get; init; }

    /// <summary>Gets the preferred source address (<c>src</c>), or an empty address.</summary>
    public PackedIPAddress Source { get; init; }

    /// <summary>Gets the metric (<c>metric</c>, <c>priority</c> or <c>preference</c>), or <see langword="null"/> for the kernel's default.</summary>
    public uint? Metric { get; init; }

    /// <summary>Gets the routing table (<c>table</c>): 254, <c>main</c>, by default.</summary>
    public uint Table { get; init; } = RouteWords.MainTable;

    /// <summary>Gets the scope (<c>scope</c>): global (universe) by default, as keepalived has it.</summary>
    public AddressScope Scope { get; init; } = AddressScope.Global;

    /// <summary>Gets a value indicating whether the gateway is taken as on the link whatever the addresses say (<c>onlink</c>).</summary>
    public bool OnLink { get; init; }

    /// <summary>Gets a value indicating whether the router ignores the state of <see cref="Device"/> (<c>no_track</c>).</summary>
    public bool NoTrack { get; init; }

    /// <summary>
    /// Gets the protocol the route carries (<c>protocol N</c>, rtm_protocol), which only a <see cref="NoTrack"/> route
    /// may name, as keepalived keeps it only there; <see langword="null"/> for vrrp's own, 118, by which a restart knows
    /// what a crash left. A route of another protocol that a crash leaves is not removed at the next start.
    /// </summary>
    public byte? Protocol { get; init; }

    /// <summary>
    /// Gets the paths of a multipath route (<c>nexthop via GATEWAY dev IF weight N</c>, each), in place of one
    /// <see cref="Gateway"/>; empty for a route with one path.
    /// </summary>
    public RouteNextHops NextHops { get; init; } = RouteNextHops.Empty;

    /// <summary>Gets the most paths a multipath route may have here: a bound on what one request to the kernel carries.</summary>
    public static int MaxNextHops => 16;

    /// <summary>Gets the route's path and TCP settings (<c>mtu</c>, <c>advmss</c>, <c>initcwnd</c>, ...).</summary>
    public RouteMetrics Metrics { get; init; } = new();

    /// <summary>Gets the type of service the route matches (<c>tos</c> or <c>dsfield</c>, IPv4 only), 0 for any.</summary>
    public byte TypeOfService { get; init; }

    /// <summary>Gets the route's realms (<c>realms [FROM/]TO</c>, IPv4 only), the source realm in the high 16 bits; 0 for none.</summary>
    public uint Realms { get; init; }

    /// <summary>Gets the router preference (<c>pref low|medium|high|N</c>, IPv6 only): its RFC 4191 value, or <see langword="null"/>.</summary>
    public byte? Preference { get; init; }

    /// <summary>Parses a route as keepalived's <c>virtual_routes</c> takes it.</summary>
    /// <param name="text">The route, as <c>203.0.113.0/24 via 198.51.100.1 dev lab0 table 100</c> or <c>blackhole 203.0.113.0/24</c>.</param>
    /// <param name="route">The route when the method returns <see langword="true"/>.</param>
    /// <param name="error">What is wrong when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the text is a route this library can hold.</returns>
    public static bool TryParse(string? text, out VirtualRoute route, out string? error)
    {
        route = new VirtualRoute();
        string[] words = (text ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        AddressFamily family = AddressFamily.Unspecified;
        string? destination = null;
        var result = new VirtualRoute();
        for (int i = 0; i < words.Length; i++)
        {
            string word = words[i];
            string? value = i + 1 < words.Length ? words[i + 1] : null;
            if (destination is not null && RouteMetrics.IsMetricWord(word))
            {
                if (!result.Metrics.TryRead(words, ref i, out RouteMetrics metrics, out error))
                {
                    return false;
                }

                result = result with { Metrics = metrics };
                continue;
            }

            switch (word)
            {
                case "inet" or "inet6":
                    if (!SameFamily(word == "inet6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, ref family, out error))
                    {
                        return false;
                    }

                    continue;
                case "via" or "gw" or "src" or "dev" or "oif" or "metric" or "priority" or "preference" or "table" or "scope" or "tos" or "dsfield" or "realms" or "pref" or "protocol" when value is null:
                    error = $"has '{word}' without a value";
                    return false;
                case "via" or "gw":
                    if (!RouteWords.TryParseAddress(value!, out PackedIPAddress gateway) || !SameFamily(gateway.Family, ref family, out error))
                    {
                        error = $"has via '{value}': an IP address of the route's family";
                        return false;
                    }

                    result = result with { Gateway = gateway };
                    break;
                case "src":
                    if (!RouteWords.TryParseAddress(value!, out PackedIPAddress source) || !SameFamily(source.Family, ref family, out error))
                    {
                        error = $"has src '{value}': an IP address of the route's family";
                        return false;
                    }

                    result = result with { Source = source };
                    break;
                case "dev" or "oif":
                    if (!RouteWords.IsInterfaceName(value!))
                    {
                        error = $"has dev '{value}': an interface name is 1 to 15 characters without '/'";
                        return false;
                    }

                    result = result with { Device = value };
                    break;
                case "metric" or "priority" or "preference":
                    if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint metric))
                    {
                        error = $"has metric '{value}': 0 to 4294967295";
                        return false;
                    }

                    result = result with { Metric = metric };
                    break;
                case "table":
                    if (!RouteWords.TryParseTable(value!, out uint table))
                    {
                        error = $"has table '{value}': main, local, default or 1 to 4294967295";
                        return false;
                    }

                    result = result with { Table = table };
                    break;
                case "scope":
                    if (!TryParseScope(value!, out AddressScope scope))
                    {
                        error = $"has scope '{value}': global, site, link, host, nowhere or 0 to 255";
                        return false;
                    }

                    result = result with { Scope = scope };
                    break;
                case "tos" or "dsfield":
                    if (!TryParseByte(value!, out byte tos))
                    {
                        error = $"has tos '{value}': 0 to 255 (0x00 to 0xff), IPv4 only";
                        return false;
                    }

                    result = result with { TypeOfService = tos };
                    break;
                case "realms":
                    if (!TryParseRealms(value!, out uint realms))
                    {
                        error = $"has realms '{value}': [FROM/]TO, each 0 to 65535, IPv4 only";
                        return false;
                    }

                    result = result with { Realms = realms };
                    break;
                case "pref":
                    byte? preference = value switch { "low" => 3, "medium" => 0, "high" => 1, _ => TryParseByte(value!, out byte p) ? p : null };
                    if (preference is null)
                    {
                        error = $"has pref '{value}': low, medium, high or 0 to 255, IPv6 only";
                        return false;
                    }

                    result = result with { Preference = preference };
                    break;
                case "protocol":
                    if (!RouteWords.TryParseProtocol(value!, out byte protocol))
                    {
                        error = $"has protocol '{value}': 1 to 255, or one of iproute2's names (static, boot, bird, zebra, ...)";
                        return false;
                    }

                    result = result with { Protocol = protocol };
                    break;
                case "onlink":
                    result = result with { OnLink = true };
                    continue;
                case "no_track":
                    result = result with { NoTrack = true };
                    continue;
                case "nexthop" when destination is not null:
                    // The paths end the route, as keepalived reads them: nothing but another path may follow one.
                    if (!TryParseNextHops(words, i, ref family, out RouteNextHops hops, out error))
                    {
                        return false;
                    }

                    result = result with { NextHops = hops };
                    i = words.Length;
                    continue;
                default:
                    if (destination is not null)
                    {
                        error = $"has '{word}' after its destination {destination}: a route takes via, dev, src, metric, table, scope, tos, realms, pref, protocol, onlink, no_track, nexthop and the metrics mtu, advmss, hoplimit, rtt, rttvar, reordering, window, cwnd, ssthresh, rto_min, initcwnd, initrwnd, features, quickack, congctl and fastopen_no_cookie";
                        return false;
                    }

                    if (word == "to" && value is not null)
                    {
                        word = words[++i];
                        value = i + 1 < words.Length ? words[i + 1] : null;
                    }

                    if (TryParseType(word, out RouteType type))
                    {
                        if (value is null)
                        {
                            error = $"has {word} without a destination";
                            return false;
                        }

                        result = result with { Type = type };
                        word = words[++i];
                    }

                    destination = word;
                    continue;
            }

            i++; // the value
        }

        if (destination is null)
        {
            error = "has no destination: a route is [TYPE] DESTINATION [via GATEWAY] [dev IF] [src ADDRESS] [metric N] [table T] [scope S] [onlink] [no_track]";
            return false;
        }

        if (!RouteWords.TryParsePrefix(destination, family, out PackedIPAddress address, out byte prefixLength) || !SameFamily(address.Family, ref family, out _))
        {
            error = $"has destination '{destination}': ADDRESS[/PREFIX] or default, of one family with its gateway and source";
            return false;
        }

        if (address.Family == AddressFamily.InterNetworkV6 ? result.TypeOfService != 0 || result.Realms != 0 || result.NextHops.Any(static h => h.Realms != 0) : result.Preference is not null)
        {
            error = address.Family == AddressFamily.InterNetworkV6 ? "has tos or realms, which are IPv4 only" : "has pref, which is IPv6 only";
            return false;
        }

        if (result.Type != RouteType.Unicast && (result.Gateway.Length != 0 || result.Device is not null))
        {
            error = $"is a {result.Type.ToString().ToLowerInvariant()} route: it takes no via and no dev";
            return false;
        }

        if (result.Protocol is not null && !result.NoTrack)
        {
            error = "has a protocol and is tracked: only a no_track route keeps its own protocol (keepalived resets a tracked one's; vrrp marks it 118)";
            return false;
        }

        if (result.NextHops.Count > 0 && (result.Type != RouteType.Unicast || result.Gateway.Length != 0))
        {
            error = "has nexthop with via or a type: a multipath route's gateways are its nexthops";
            return false;
        }

        if (result.Type == RouteType.Unicast && result.Gateway.Length == 0 && result.Device is null && result.NextHops.Count == 0)
        {
            error = "has neither via nor dev: a unicast route needs one";
            return false;
        }

        route = result with { Family = family, Destination = address, PrefixLength = prefixLength };
        error = null;
        return true;
    }

    /// <summary>Parses a route, as <see cref="TryParse"/> does.</summary>
    /// <param name="text">The route.</param>
    /// <returns>The route.</returns>
    /// <exception cref="FormatException">The text is not a valid route; the message says why.</exception>
    public static VirtualRoute Parse(string text) =>
        TryParse(text, out VirtualRoute route, out string? error) ? route : throw new FormatException($"route '{text}' {error}.");

    /// <summary>Returns the route as <see cref="TryParse"/> reads it.</summary>
    /// <returns>The route, as <c>203.0.113.0/24 via 198.51.100.1 dev lab0 table 100</c>.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Type != RouteType.Unicast)
        {
            text.Append(Type.ToString().ToLowerInvariant()).Append(' ');
        }

        text.Append(RouteWords.Prefix(Destination, PrefixLength));
        Append("via", Gateway.Length == 0 ? null : Gateway.ToString());
        Append("dev", Device);
        Append("src", Source.Length == 0 ? null : Source.ToString());
        Append("metric", Metric?.ToString(CultureInfo.InvariantCulture));
        Append("table", Table == RouteWords.MainTable ? null : RouteWords.TableName(Table));
        Append("scope", Scope == AddressScope.Global ? null : ((byte)Scope).ToString(CultureInfo.InvariantCulture));
        Append("tos", TypeOfService == 0 ? null : TypeOfService.ToString(CultureInfo.InvariantCulture));
        Append("realms", Realms == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{Realms >> 16}/{Realms & 0xffff}"));
        Append("pref", Preference?.ToString(CultureInfo.InvariantCulture));
        text.Append(Metrics);
        Append("protocol", Protocol?.ToString(CultureInfo.InvariantCulture));
        text.Append(OnLink ? " onlink" : string.Empty).Append(NoTrack ? " no_track" : string.Empty);
        if (NextHops.Count > 0)
        {
            text.Append(' ').Append(NextHops);
        }

        return text.ToString();

        void Append(string name, string? value)
        {
            if (value is not null)
            {
                text.Append(' ').Append(name).Append(' ').Append(value);
            }
        }
    }

    private static bool SameFamily(AddressFamily found, ref AddressFamily family, out string? error)
    {
        error = null;
        if (family == AddressFamily.Unspecified)
        {
            family = found;
            return true;
        }

        if (family == found)
        {
            return true;
        }

        error = "mixes IPv4 and IPv6";
        return false;
    }

    // keepalived's parse_nexthops: from "nexthop" to the end, each path's via, dev, weight (1 to 256), onlink and realms.
    private static bool TryParseNextHops(string[] words, int start, ref AddressFamily family, out RouteNextHops hops, out string? error)
    {
        hops = RouteNextHops.Empty;
        var parsed = new List<RouteNextHop>();
        int i = start;
        while (i < words.Length)
        {
            if (words[i] != "nexthop")
            {
                error = $"has '{words[i]}' after its nexthops: only another nexthop may follow one";
                return false;
            }

            var hop = new RouteNextHop(default, null);
            for (i++; i < words.Length && words[i] != "nexthop"; i++)
            {
                string word = words[i];
                string? value = i + 1 < words.Length ? words[i + 1] : null;
                if (word == "onlink")
                {
                    hop = hop with { OnLink = true };
                    continue;
                }

                if (word is "via" && value is "inet" or "inet6")
                {
                    if (!SameFamily(value == "inet6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, ref family, out error))
                    {
                        return false;
                    }

                    value = ++i + 1 < words.Length ? words[i + 1] : null;
                }

                if (word is not ("via" or "dev" or "weight" or "realms"))
                {
                    error = $"has '{word}' in a nexthop: a nexthop takes via, dev, weight, onlink and realms";
                    return false;
                }

                if (value is null)
                {
                    error = $"has nexthop '{word}' without a value";
                    return false;
                }

                switch (word)
                {
                    case "via":
                        if (!RouteWords.TryParseAddress(value, out PackedIPAddress gateway) || !SameFamily(gateway.Family, ref family, out _))
                        {
                            error = $"has nexthop via '{value}': an IP address of the route's family";
                            return false;
                        }

                        hop = hop with { Gateway = gateway };
                        break;
                    case "dev":
                        if (!RouteWords.IsInterfaceName(value))
                        {
                            error = $"has nexthop dev '{value}': an interface name is 1 to 15 characters without '/'";
                            return false;
                        }

                        hop = hop with { Device = value };
                        break;
                    case "weight":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int weight) || weight is < 1 or > 256)
                        {
                            error = $"has nexthop weight '{value}': 1 to 256";
                            return false;
                        }

                        hop = hop with { Weight = weight };
                        break;
                    default:
                        if (!TryParseRealms(value, out uint realms))
                        {
                            error = $"has nexthop realms '{value}': [FROM/]TO, each 0 to 65535, IPv4 only";
                            return false;
                        }

                        hop = hop with { Realms = realms };
                        break;
                }

                i++; // the value
            }

            if (hop.Gateway.Length == 0 && hop.Device is null)
            {
                error = "has a nexthop with neither via nor dev";
                return false;
            }

            parsed.Add(hop);
            if (parsed.Count > MaxNextHops)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"has more than {MaxNextHops} nexthops");
                return false;
            }
        }

        hops = new RouteNextHops(parsed);
        error = null;
        return true;
    }

    private static bool TryParseByte(string text, out byte value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? byte.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    // keepalived's get_realms, numbers only (names come from rt_realms): TO, or FROM/TO.
    private static bool TryParseRealms(string text, out uint realms)
    {
        realms = 0;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        ushort from = 0;
        if ((slash >= 0 && !ushort.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out from))
            || !ushort.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort to))
        {
            return false;
        }

        realms = ((uint)from << 16) | to;
        return true;
    }

    private static bool TryParseType(string text, out RouteType type)
    {
        type = text switch
        {
            "unicast" => RouteType.Unicast,
            "blackhole" => RouteType.Blackhole,
            "unreachable" => RouteType.Unreachable,
            "prohibit" => RouteType.Prohibit,
            "throw" => RouteType.Throw,
            _ => 0,
        };
        return type != 0;
    }

    // An address's names, and iproute2's "universe" for global.
    private static bool TryParseScope(string text, out AddressScope scope)
    {
        if (text == "universe")
        {
            scope = AddressScope.Global;
            return true;
        }

        return AddressPlacement.TryParseScope(text, out scope);
    }
}
