using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Vrrp.Packets;

namespace Vrrp.Addressing;

/// <summary>
/// Where and how a virtual address goes on an interface, beyond its address and prefix: keepalived's <c>dev</c>,
/// <c>label</c>, <c>scope</c>, <c>brd</c>, <c>peer</c>, <c>preferred_lft</c>, the flags and <c>no_track</c>. Written after the address in an entry of
/// <see cref="VirtualRouterOptions.VirtualAddresses"/> or <see cref="VirtualRouterOptions.ExcludedAddresses"/>:
/// <c>198.51.100.10/24 dev lab1 label lab1:web scope link brd + no_track</c>.
/// </summary>
/// <remarks>
/// None of it reaches the adverts, which carry the address alone; an <see cref="IVirtualAddressManager"/> reads it
/// with <see cref="VirtualRouter.PlacementOf"/>.
/// </remarks>
public sealed record AddressPlacement
{
    private const int MaxLabelLength = 15; // IFNAMSIZ - 1
    private const string Options = "dev IF, label L, scope S, brd B, peer P, preferred_lft N|forever, noprefixroute, home, mngtmpaddr, autojoin, -nodad and no_track";

    /// <summary>Gets the placement of an address written alone: on the router's interface, global scope, no label.</summary>
    public static AddressPlacement Default { get; } = new();

    /// <summary>Gets the interface the address goes on (<c>dev</c>), or <see langword="null"/> for the router's own.</summary>
    public string? Device { get; init; }

    /// <summary>Gets the IPv4 address label (<c>label</c>, at most 15 characters), or <see langword="null"/> for none.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the address scope (<c>scope</c>); IPv6 addresses are always global.</summary>
    public AddressScope Scope { get; init; } = AddressScope.Global;

    /// <summary>Gets the IPv4 broadcast address (<c>brd</c>), or an empty address for none.</summary>
    public PackedIPAddress Broadcast { get; init; }

    /// <summary>
    /// Gets a value indicating whether the router ignores the state of <see cref="Device"/> (<c>no_track</c>). Without
    /// it, an address on another interface than the router's makes the router track that interface's link, as
    /// keepalived does.
    /// </summary>
    public bool NoTrack { get; init; }

    /// <summary>Gets the address of the other end of a point-to-point link (<c>peer</c>), of the address's family, or an empty address for none.</summary>
    public PackedIPAddress Peer { get; init; }

    /// <summary>
    /// Gets the preferred lifetime of an IPv6 address in seconds (<c>preferred_lft</c>; <see cref="uint.MaxValue"/> for
    /// <c>forever</c>), or <see langword="null"/> for keepalived's default: 0 (deprecated, never chosen as a source)
    /// for a /128, forever otherwise. IPv4 addresses have none.
    /// </summary>
    public uint? PreferredLifetime { get; init; }

    /// <summary>Gets the address flags (<c>noprefixroute</c>, <c>home</c>, <c>mngtmpaddr</c>, <c>autojoin</c>).</summary>
    public AddressBehaviors Behaviors { get; init; }

    /// <summary>
    /// Gets a value indicating whether an IPv6 address goes through duplicate address detection (<c>-nodad</c>). Off by
    /// default, as keepalived adds virtual IPv6 addresses: usable at once, and never stuck in dadfailed after a split.
    /// </summary>
    public bool DuplicateAddressDetection { get; init; }

    /// <summary>
    /// Parses an entry: <c>ADDRESS[/PREFIX]</c>, then any of <c>dev IF</c>, <c>label L</c>, <c>scope S</c> (global,
    /// site, link, host, nowhere or 0 to 255), <c>brd B</c> (an IPv4 address, <c>+</c> for the subnet's last address or
    /// <c>-</c> for its first; <c>broadcast</c> is the same), <c>peer P</c>, <c>preferred_lft N|forever</c>,
    /// <c>noprefixroute</c>, <c>home</c>, <c>mngtmpaddr</c>, <c>autojoin</c>, <c>-nodad</c> and <c>no_track</c>.
    /// </summary>
    /// <param name="text">The entry.</param>
    /// <param name="address">The address when the method returns <see langword="true"/>.</param>
    /// <param name="placement">The placement when the method returns <see langword="true"/> (<see cref="Default"/> for an address alone).</param>
    /// <param name="error">What is wrong when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the entry is valid.</returns>
    public static bool TryParse(string? text, out VirtualAddress address, out AddressPlacement placement, out string? error)
    {
        placement = Default;
        address = default;
        string[] words = (text ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !VirtualAddress.TryParse(words[0], out address))
        {
            error = $"must be an IP address with an optional /prefix (0 to 32 for IPv4, 0 to 128 for IPv6), then any of {Options}";
            return false;
        }

        if (words.Length == 1)
        {
            error = null;
            return true;
        }

        bool v4 = address.Address.Family == AddressFamily.InterNetwork;
        var result = new AddressPlacement();
        for (int i = 1; i < words.Length; i++)
        {
            string option = words[i];
            AddressBehaviors flag = option switch
            {
                "noprefixroute" => AddressBehaviors.NoPrefixRoute,
                "home" => AddressBehaviors.HomeAddress,
                "mngtmpaddr" => AddressBehaviors.ManageTemporaryAddresses,
                "autojoin" => AddressBehaviors.MulticastAutoJoin,
                _ => AddressBehaviors.None,
            };
            if (flag != AddressBehaviors.None || option is "no_track" or "-nodad")
            {
                result = option switch
                {
                    "no_track" => result with { NoTrack = true },
                    "-nodad" => result with { DuplicateAddressDetection = true },
                    _ => result with { Behaviors = result.Behaviors | flag },
                };
                continue;
            }

            if (option is not ("dev" or "label" or "scope" or "brd" or "broadcast" or "peer" or "preferred_lft"))
            {
                error = $"has '{option}': an address takes {Options}";
                return false;
            }

            if (i + 1 >= words.Length)
            {
                error = $"has '{option}' without a value";
                return false;
            }

            string value = words[++i];
            switch (option)
            {
                case "dev":
                    if (value.Length > MaxLabelLength || value.Contains('/', StringComparison.Ordinal))
                    {
                        error = $"has dev '{value}': an interface name is 1 to {MaxLabelLength} characters without '/'";
                        return false;
                    }

                    result = result with { Device = value };
                    break;
                case "label":
                    if (!v4 || value.Length > MaxLabelLength)
                    {
                        error = v4 ? $"has label '{value}': a label is at most {MaxLabelLength} characters" : "has a label: only IPv4 addresses take one";
                        return false;
                    }

                    result = result with { Label = value };
                    break;
                case "scope":
                    if (!TryParseScope(value, out AddressScope scope) || (!v4 && scope != AddressScope.Global))
                    {
                        error = v4 ? $"has scope '{value}': global, site, link, host, nowhere or 0 to 255" : "has a scope: IPv6 addresses are global";
                        return false;
                    }

                    result = result with { Scope = scope };
                    break;
                case "peer":
                    if (!System.Net.IPAddress.TryParse(value, out System.Net.IPAddress? peer) || peer.AddressFamily != address.Address.Family)
                    {
                        error = $"has peer '{value}': an address of the same family";
                        return false;
                    }

                    result = result with { Peer = PackedIPAddress.FromIPAddress(peer) };
                    break;
                case "preferred_lft":
                    uint lifetime = uint.MaxValue;
                    if (value != "forever" && !uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out lifetime))
                    {
                        error = $"has preferred_lft '{value}': forever or 0 to {uint.MaxValue} seconds";
                        return false;
                    }

                    result = result with { PreferredLifetime = lifetime };
                    break;
                default: // brd, broadcast
                    if (!TryParseBroadcast(value, address, out PackedIPAddress broadcast))
                    {
                        error = $"has brd '{value}': an IPv4 address, + (the subnet's last address) or - (its first), for an IPv4 address of prefix 30 or shorter with + and -";
                        return false;
                    }

                    result = result with { Broadcast = broadcast };
                    break;
            }
        }

        placement = result == Default ? Default : result;
        error = null;
        return true;
    }

    /// <summary>Parses an entry, as <see cref="TryParse(string?, out VirtualAddress, out AddressPlacement, out string?)"/> does.</summary>
    /// <param name="text">The entry.</param>
    /// <returns>The address and its placement.</returns>
    /// <exception cref="FormatException">The entry is not valid; the message says why.</exception>
    public static (VirtualAddress Address, AddressPlacement Placement) Parse(string text) =>
        TryParse(text, out VirtualAddress address, out AddressPlacement placement, out string? error)
            ? (address, placement)
            : throw new FormatException($"'{text}' {error}.");

    /// <summary>Returns the options as they follow the address in an entry (<c>dev lab1 label lab1:web</c>), or an empty string for <see cref="Default"/>.</summary>
    /// <returns>The options.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        Append("dev", Device);
        Append("label", Label);
        Append("scope", Scope == AddressScope.Global ? null : ScopeName(Scope));
        Append("brd", Broadcast.Length == 0 ? null : Broadcast.ToString());
        Append("peer", Peer.Length == 0 ? null : Peer.ToString());
        Append("preferred_lft", PreferredLifetime switch { null => null, uint.MaxValue => "forever", uint seconds => seconds.ToString(CultureInfo.InvariantCulture) });
        Append("noprefixroute", (Behaviors & AddressBehaviors.NoPrefixRoute) != 0 ? string.Empty : null);
        Append("home", (Behaviors & AddressBehaviors.HomeAddress) != 0 ? string.Empty : null);
        Append("mngtmpaddr", (Behaviors & AddressBehaviors.ManageTemporaryAddresses) != 0 ? string.Empty : null);
        Append("autojoin", (Behaviors & AddressBehaviors.MulticastAutoJoin) != 0 ? string.Empty : null);
        Append("-nodad", DuplicateAddressDetection ? string.Empty : null);
        Append("no_track", NoTrack ? string.Empty : null);
        return text.ToString();

        void Append(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            text.Append(text.Length == 0 ? string.Empty : " ").Append(name);
            if (value.Length > 0)
            {
                text.Append(' ').Append(value);
            }
        }
    }

    // global, site, link, host, nowhere (the kernel's rt_scopes names), or a number.
    internal static bool TryParseScope(string text, out AddressScope scope)
    {
        switch (text)
        {
            case "global": scope = AddressScope.Global; return true;
            case "site": scope = AddressScope.Site; return true;
            case "link": scope = AddressScope.Link; return true;
            case "host": scope = AddressScope.Host; return true;
            case "nowhere": scope = AddressScope.Nowhere; return true;
        }

        bool number = byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out byte value);
        scope = (AddressScope)value;
        return number;
    }

    private static string ScopeName(AddressScope scope) => scope switch
    {
        AddressScope.Site => "site",
        AddressScope.Link => "link",
        AddressScope.Host => "host",
        AddressScope.Nowhere => "nowhere",
        _ => ((byte)scope).ToString(CultureInfo.InvariantCulture),
    };

    // keepalived's + and -: the subnet's last or first address, for prefixes up to /30.
    private static bool TryParseBroadcast(string text, VirtualAddress address, out PackedIPAddress broadcast)
    {
        broadcast = default;
        if (address.Address.Family != AddressFamily.InterNetwork)
        {
            return false;
        }

        if (text is "+" or "-")
        {
            if (address.PrefixLength > 30)
            {
                return false;
            }

            Span<byte> bytes = stackalloc byte[4];
            address.Address.WriteTo(bytes);
            uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
            uint host = address.PrefixLength == 0 ? uint.MaxValue : uint.MaxValue >> address.PrefixLength;
            value = text == "+" ? value | host : value & ~host;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            broadcast = PackedIPAddress.FromBytes(bytes);
            return true;
        }

        // Dotted quads only, as inet_pton reads them: IPAddress alone would take "1" for 0.0.0.1.
        if (text.Count(c => c == '.') != 3 || !System.Net.IPAddress.TryParse(text, out System.Net.IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        broadcast = PackedIPAddress.FromIPAddress(ip);
        return true;
    }
}
