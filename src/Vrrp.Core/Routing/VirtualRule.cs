using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Vrrp.Packets;

namespace Vrrp.Routing;

/// <summary>
/// A policy routing rule a master holds with its addresses (keepalived's <c>virtual_rules</c>): added after the
/// addresses on becoming master, removed before them on leaving it. Written as keepalived and <c>ip rule</c> write it:
/// <c>[inet|inet6] [not] [from PREFIX] [to PREFIX] [iif IF] [oif IF] [fwmark M[/MASK]] [priority N] ACTION [no_track]</c>,
/// where ACTION is <c>table T</c> (or <c>lookup T</c>), <c>goto N</c>, <c>nop</c>, <c>blackhole</c>, <c>unreachable</c>
/// or <c>prohibit</c>.
/// </summary>
public sealed record VirtualRule
{
    /// <summary>Gets the family of the rule: IPv4 unless an address or <c>inet6</c> says otherwise, as keepalived has it.</summary>
    public AddressFamily Family { get; init; } = AddressFamily.InterNetwork;

    /// <summary>Gets the source network matched (<c>from</c>), or an empty address for any.</summary>
    public PackedIPAddress From { get; init; }

    /// <summary>Gets the prefix length of <see cref="From"/>.</summary>
    public byte FromPrefixLength { get; init; }

    /// <summary>Gets the destination network matched (<c>to</c>), or an empty address for any.</summary>
    public PackedIPAddress To { get; init; }

    /// <summary>Gets the prefix length of <see cref="To"/>.</summary>
    public byte ToPrefixLength { get; init; }

    /// <summary>Gets the input interface matched (<c>iif</c> or <c>dev</c>), or <see langword="null"/>.</summary>
    public string? InputInterface { get; init; }

    /// <summary>Gets the output interface matched (<c>oif</c>), or <see langword="null"/>.</summary>
    public string? OutputInterface { get; init; }

    /// <summary>Gets the firewall mark matched (<c>fwmark</c>), or <see langword="null"/>.</summary>
    public uint? FirewallMark { get; init; }

    /// <summary>Gets the mask of <see cref="FirewallMark"/>, or <see langword="null"/> for all bits.</summary>
    public uint? FirewallMask { get; init; }

    /// <summary>Gets a value indicating whether the rule matches what the selectors do not (<c>not</c>).</summary>
    public bool Invert { get; init; }

    /// <summary>Gets the rule's priority (<c>priority</c>, <c>preference</c> or <c>order</c>), or <see langword="null"/> for the kernel's choice.</summary>
    public uint? Priority { get; init; }

    /// <summary>Gets what the rule does.</summary>
    public RuleAction Action { get; init; } = RuleAction.ToTable;

    /// <summary>Gets the table looked up when <see cref="Action"/> is <see cref="RuleAction.ToTable"/>.</summary>
    public uint Table { get; init; }

    /// <summary>Gets the priority of the rule to go on at when <see cref="Action"/> is <see cref="RuleAction.Goto"/>.</summary>
    public uint GotoTarget { get; init; }

    /// <summary>Gets a value indicating whether the router ignores the state of the rule's interfaces (<c>no_track</c>).</summary>
    public bool NoTrack { get; init; }

    /// <summary>Parses a rule as keepalived's <c>virtual_rules</c> takes it.</summary>
    /// <param name="text">The rule, as <c>from 198.51.100.100 table 100 priority 100</c>.</param>
    /// <param name="rule">The rule when the method returns <see langword="true"/>.</param>
    /// <param name="error">What is wrong when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the text is a rule this library can hold.</returns>
    public static bool TryParse(string? text, out VirtualRule rule, out string? error)
    {
        rule = new VirtualRule();
        string[] words = (text ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        AddressFamily family = AddressFamily.Unspecified;
        var result = new VirtualRule();
        string? from = null, to = null;
        RuleAction? action = null;
        for (int i = 0; i < words.Length; i++)
        {
            string word = words[i];
            string? value = i + 1 < words.Length ? words[i + 1] : null;
            if (word is "from" or "to" or "iif" or "dev" or "oif" or "fwmark" or "priority" or "preference" or "order" or "table" or "lookup" or "goto" && value is null)
            {
                error = $"has '{word}' without a value";
                return false;
            }

            switch (word)
            {
                case "inet" or "inet6":
                    AddressFamily named = word == "inet6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
                    if (family != AddressFamily.Unspecified && family != named)
                    {
                        error = "mixes IPv4 and IPv6";
                        return false;
                    }

                    family = named;
                    continue;
                case "not":
                    result = result with { Invert = true };
                    continue;
                case "no_track":
                    result = result with { NoTrack = true };
                    continue;
                case "from":
                    from = value;
                    break;
                case "to":
                    to = value;
                    break;
                case "iif" or "dev" or "oif":
                    if (!RouteWords.IsInterfaceName(value!))
                    {
                        error = $"has {word} '{value}': an interface name is 1 to 15 characters without '/'";
                        return false;
                    }

                    result = word == "oif" ? result with { OutputInterface = value } : result with { InputInterface = value };
                    break;
                case "fwmark":
                    string[] parts = value!.Split('/');
                    if (parts.Length > 2 || !TryParseNumber(parts[0], out uint mark) || (parts.Length == 2 && !TryParseNumber(parts[1], out _)))
                    {
                        error = $"has fwmark '{value}': MARK[/MASK], each 0 to 4294967295 (decimal or 0x hexadecimal)";
                        return false;
                    }

                    uint? mask = parts.Length == 2 && TryParseNumber(parts[1], out uint m) ? m : null;
                    result = result with { FirewallMark = mark, FirewallMask = mask };
                    break;
                case "priority" or "preference" or "order":
                    if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint priority))
                    {
                        error = $"has priority '{value}': 0 to 4294967295";
                        return false;
                    }

                    result = result with { Priority = priority };
                    break;
                case "table" or "lookup" or "goto" or "nop" or "blackhole" or "unreachable" or "prohibit" or "type":
                    if (word == "type")
                    {
                        if (value is null)
                        {
                            error = "has 'type' without a value";
                            return false;
                        }

                        word = words[++i];
                        value = i + 1 < words.Length ? words[i + 1] : null;
                    }

                    if (action is not null)
                    {
                        error = "has more than one of table, goto, nop, blackhole, unreachable and prohibit";
                        return false;
                    }

                    switch (word)
                    {
                        case "table" or "lookup":
                            if (value is null || !RouteWords.TryParseTable(value, out uint table))
                            {
                                error = $"has table '{value}': main, local, default or 1 to 4294967295";
                                return false;
                            }

                            action = RuleAction.ToTable;
                            result = result with { Table = table };
                            i++;
                            continue;
                        case "goto":
                            if (value is null || !uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint target))
                            {
                                error = $"has goto '{value}': a rule priority, 0 to 4294967295";
                                return false;
                            }

                            action = RuleAction.Goto;
                            result = result with { GotoTarget = target };
                            i++;
                            continue;
                        case "nop": action = RuleAction.Nop; continue;
                        case "blackhole": action = RuleAction.Blackhole; continue;
                        case "unreachable": action = RuleAction.Unreachable; continue;
                        case "prohibit": action = RuleAction.Prohibit; continue;
                        default:
                            error = $"has type '{word}': table, goto, nop, blackhole, unreachable or prohibit";
                            return false;
                    }

                default:
                    error = $"has '{word}': a rule takes from, to, iif, oif, fwmark, priority, not, no_track and one of table, goto, nop, blackhole, unreachable, prohibit";
                    return false;
            }

            i++; // the value
        }

        if (action is null)
        {
            error = "has no action: table T, goto N, nop, blackhole, unreachable or prohibit";
            return false;
        }

        foreach ((string? prefix, bool isFrom) in new[] { (from, true), (to, false) })
        {
            if (prefix is null)
            {
                continue;
            }

            if (!RouteWords.TryParsePrefix(prefix, family, out PackedIPAddress address, out byte length)
                || (family != AddressFamily.Unspecified && prefix is not ("default" or "all" or "any") && address.Family != family))
            {
                error = $"has {(isFrom ? "from" : "to")} '{prefix}': ADDRESS[/PREFIX] or all, of one family";
                return false;
            }

            family = address.Family;
            result = isFrom ? result with { From = address, FromPrefixLength = length } : result with { To = address, ToPrefixLength = length };
        }

        if (action == RuleAction.Goto && (result.Priority is not { } own || own >= result.GotoTarget))
        {
            error = "has goto without a priority below its target, as the kernel needs";
            return false;
        }

        rule = result with { Action = action.Value, Family = family == AddressFamily.Unspecified ? AddressFamily.InterNetwork : family };
        error = null;
        return true;
    }

    /// <summary>Parses a rule, as <see cref="TryParse"/> does.</summary>
    /// <param name="text">The rule.</param>
    /// <returns>The rule.</returns>
    /// <exception cref="FormatException">The text is not a valid rule; the message says why.</exception>
    public static VirtualRule Parse(string text) =>
        TryParse(text, out VirtualRule rule, out string? error) ? rule : throw new FormatException($"rule '{text}' {error}.");

    /// <summary>Returns the rule as <see cref="TryParse"/> reads it.</summary>
    /// <returns>The rule, as <c>from 198.51.100.100/32 priority 100 table 100</c>.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(Family == AddressFamily.InterNetworkV6 ? "inet6" : "inet");
        text.Append(Invert ? " not" : string.Empty);
        Append("from", From.Length == 0 ? null : RouteWords.Prefix(From, FromPrefixLength));
        Append("to", To.Length == 0 ? null : RouteWords.Prefix(To, ToPrefixLength));
        Append("iif", InputInterface);
        Append("oif", OutputInterface);
        Append("fwmark", FirewallMark is { } mark ? (FirewallMask is { } mask ? $"{mark}/{mask}" : mark.ToString(CultureInfo.InvariantCulture)) : null);
        Append("priority", Priority?.ToString(CultureInfo.InvariantCulture));
        text.Append(Action switch
        {
            RuleAction.ToTable => $" table {RouteWords.TableName(Table)}",
            RuleAction.Goto => string.Create(CultureInfo.InvariantCulture, $" goto {GotoTarget}"),
            _ => $" {Action.ToString().ToLowerInvariant()}",
        });
        text.Append(NoTrack ? " no_track" : string.Empty);
        return text.ToString();

        void Append(string name, string? value)
        {
            if (value is not null)
            {
                text.Append(' ').Append(name).Append(' ').Append(value);
            }
        }
    }

    private static bool TryParseNumber(string text, out uint value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
