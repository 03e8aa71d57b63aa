using System.Globalization;
using System.Net;
using Vrrp.Keepalived.Syntax;

namespace Vrrp.Keepalived.Binding;

/// <summary>
/// Turns statements into the typed model, section by section, with a table of keywords per section: each keyword
/// knows how many values it takes. As keepalived, a line is one statement: what follows a keyword's values on its line
/// is not read (<c>authentication { auth_type PASS auth_pass x }</c> sets no password under keepalived), with a
/// warning naming it.
/// </summary>
internal sealed partial class KeepalivedBinder
{
    private delegate void Apply(SyntaxNode statement);

    /// <summary>A keyword of a section: its values (<paramref name="Max"/> −1 for the rest of the line), whether it opens a block, and the allowed values for a missing-value message.</summary>
    private readonly record struct Rule(int Min, int Max, Apply Apply, bool Block = false, string? Allowed = null);

    private readonly DiagnosticBag _diagnostics;
    private readonly HashSet<string> _scriptNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _trackFileNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _trackProcessNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _unknownPerFile = new(StringComparer.Ordinal);

    // A file that is not configuration (an 'include /etc/shadow') is all unknown keywords: after this many in one file,
    // one last warning says so and the rest are not reported.
    private const int MaxUnknownPerFile = 20;

    public KeepalivedBinder(DiagnosticBag diagnostics) => _diagnostics = diagnostics;

    private void Bind(SyntaxNode section, Dictionary<string, Rule> rules, string where)
    {
        if (section.Block is null)
        {
            _diagnostics.Error(section.Keyword, $"{section.Name} needs a '{{ }}' block");
            return;
        }

        foreach (SyntaxNode child in section.Block)
        {
            BindStatement(child, rules, where);
        }
    }

    private void BindStatement(SyntaxNode statement, Dictionary<string, Rule> rules, string where)
    {
        if (!rules.TryGetValue(statement.Name, out Rule rule))
        {
            WarnNotBound(statement, where);
            return;
        }

        if (!rule.Block && rule.Max >= 0 && statement.Arguments.Count > rule.Max)
        {
            // keepalived reads one statement a line (a line splits only at a brace), and a keyword's handler reads the
            // values it takes: what follows on the line is not read, another keyword included ("state MASTER priority
            // 200" runs at priority 255 under keepalived, measured). vrrpd reads the line as keepalived does, and says so.
            Token extra = statement.Arguments[rule.Max];
            string hint = IsKeyword(extra, rules) ? $"; keepalived does not read '{extra.Text}' there either: write it on a line of its own" : "";
            _diagnostics.Difference(extra, $"{statement.Name} takes at most {rule.Max} value(s); '{extra.Text}' and the rest of the line are ignored{hint}");
            statement = new SyntaxNode(statement.Keyword, [.. statement.Arguments.Take(rule.Max)], statement.Block);
        }

        if (rule.Block && statement.Block is null)
        {
            _diagnostics.Error(statement.Keyword, $"{statement.Name} needs a '{{ }}' block");
            return;
        }

        if (!rule.Block && statement.Block is not null)
        {
            _diagnostics.Warning(statement.Keyword, $"{statement.Name} takes no '{{ }}' block; the block is ignored");
        }

        if (statement.Arguments.Count < rule.Min)
        {
            _diagnostics.Error(statement.Keyword, $"{statement.Name} needs a value{(rule.Allowed is null ? string.Empty : ": " + rule.Allowed)}");
            return;
        }

        if (rule.Block && statement.Arguments.Count > rule.Max && rule.Max >= 0)
        {
            _diagnostics.Warning(statement.Arguments[rule.Max], $"{statement.Name} takes at most {rule.Max} value(s) before its block; '{statement.Arguments[rule.Max].Text}' and after are ignored");
        }

        rule.Apply(statement);
    }

    private static bool IsKeyword(Token token, Dictionary<string, Rule> rules) => !token.Quoted && rules.ContainsKey(token.Text);

    private void WarnNotBound(SyntaxNode statement, string where)
    {
        string name = statement.Name;
        if (KeepalivedKeywords.IsNonVrrp(name))
        {
            _diagnostics.Difference(statement.Keyword, $"'{name}' is not VRRP configuration and is not supported here; {(statement.Block is null ? "ignored" : "the whole block is skipped")}");
        }
        else if (name is "vrrp_iptables" or "vrrp_ipsets")
        {
            // keepalived as Debian builds it has no iptables: it reports these too, and uses nftables, as vrrpd does
            // whenever no_accept, vrrp_strict or use_vmac need a firewall.
            _diagnostics.Warning(statement.Keyword, $"'{name}': iptables not supported, using nftables instead. Please replace 'vrrp_iptables' and 'vrrp_ipsets' with 'nftables' config option (keepalived's words, when built without iptables as Debian builds it)");
        }
        else if (KeepalivedKeywords.IsUnsupportedVrrp(name))
        {
            _diagnostics.Difference(statement.Keyword, $"'{name}' is not supported here; ignored");
        }
        else
        {
            int count = _unknownPerFile[statement.Keyword.File] = _unknownPerFile.GetValueOrDefault(statement.Keyword.File) + 1;
            if (count < MaxUnknownPerFile)
            {
                // The word itself only when it could be a keyword: never a line of a file that is not configuration.
                _diagnostics.Warning(statement.Keyword, LooksLikeKeyword(name)
                    ? $"unknown keyword '{name}' in {where}; ignored"
                    : $"unknown keyword in {where} ({name.Length} characters, not shown: no keyword has such characters); ignored");
            }
            else if (count == MaxUnknownPerFile)
            {
                _diagnostics.Warning(statement.Keyword, $"{MaxUnknownPerFile} unknown keywords in this file: is it keepalived configuration? Further ones in it are ignored without a word");
            }
        }
    }

    // keepalived's keywords are lower-case letters, digits and underscores, the longest under 40 characters.
    private static bool LooksLikeKeyword(string word)
    {
        if (word.Length is 0 or > 64)
        {
            return false;
        }

        foreach (char c in word)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    // garp_extra_if / vrrp_garp_extra_if: "all" and a period in seconds, in either order.
    // The instance's takes 0 (off), the global one 1 and up, as keepalived's two handlers do.
    private (TimeSpan Interval, bool All)? GarpExtraInterfaces(SyntaxNode statement, uint minimum = 0)
    {
        if (statement.Name is "vmac_garp_intvl" or "vrrp_vmac_garp_intvl")
        {
            _diagnostics.Warning(statement.Keyword, $"Keyword \"{statement.Name}\" is deprecated - please use \"{(statement.Name == "vmac_garp_intvl" ? "garp_extra_if" : "vrrp_garp_extra_if")}\" (keepalived's words)");
        }

        bool all = false;
        uint? seconds = null;
        foreach (Token token in statement.Arguments)
        {
            if (token.Text == "all")
            {
                all = true;
            }
            else if (uint.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out uint value) && value >= minimum && value <= 86400)
            {
                seconds = value;
            }
            else
            {
                _diagnostics.Error(token, $"{statement.Name} '{token.Text}' invalid - ignoring (keepalived's words): [all] and {minimum} to 86400 seconds");
                return null;
            }
        }

        if (seconds is null)
        {
            _diagnostics.Error(statement.Keyword, $"{statement.Name} specified without time - ignoring (keepalived's words)");
            return null;
        }

        return (TimeSpan.FromSeconds(seconds.Value), all);
    }

    private bool Int(SyntaxNode statement, int index, int min, int max, out int value)
    {
        Token token = statement.Arguments[index];
        if (int.TryParse(token.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        _diagnostics.Error(token, string.Create(CultureInfo.InvariantCulture, $"{statement.Name} must be {min} to {max}; got {token.Text}"));
        return false;
    }

    private bool Seconds(SyntaxNode statement, int index, decimal min, decimal max, out TimeSpan value)
    {
        Token token = statement.Arguments[index];
        if (decimal.TryParse(token.Text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out decimal seconds)
            && seconds >= min && seconds <= max)
        {
            value = TimeSpan.FromTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        value = default;
        _diagnostics.Error(token, string.Create(CultureInfo.InvariantCulture, $"{statement.Name} must be {min} to {max} seconds; got {token.Text}"));
        return false;
    }

    private bool OptionalBool(SyntaxNode statement, out bool value)
    {
        value = true;
        if (statement.Arguments.Count == 0)
        {
            return true;
        }

        Token token = statement.Arguments[0];
        switch (token.Text.ToUpperInvariant())
        {
            case "ON" or "TRUE" or "YES":
                return true;
            case "OFF" or "FALSE" or "NO":
                value = false;
                return true;
            default:
                _diagnostics.Error(token, $"{statement.Name} must be one of on, off, true, false, yes, no (or nothing, meaning on); got {token.Text}");
                return false;
        }
    }

    private bool Address(Token token, string keyword, out IPAddress address)
    {
        if (TryParseAddress(token.Text, out address))
        {
            return true;
        }

        _diagnostics.Error(token, $"{keyword} must be an IPv4 or IPv6 address; got {token.Text}");
        return false;
    }

    // IPAddress.TryParse takes "10" or "10.1" as IPv4 shorthands; keepalived (inet_pton) takes only the dotted quad.
    internal static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (!IPAddress.TryParse(text, out IPAddress? parsed))
        {
            return false;
        }

        bool ok = parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? text.Count(static c => c == '.') == 3 && text.All(static c => c == '.' || char.IsAsciiDigit(c))
            : parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.Contains('%', StringComparison.Ordinal);
        if (ok)
        {
            address = parsed;
        }

        return ok;
    }

    private static string Text(SyntaxNode statement, int index) => statement.Arguments[index].Text;

    // A command given as several words is kept as one command line; words holding spaces are single-quoted as keepalived expects.
    private static string CommandLine(SyntaxNode statement, int count)
    {
        if (count == 1)
        {
            return Text(statement, 0);
        }

        return string.Join(' ', statement.Arguments.Take(count).Select(static t => t.Text.Any(char.IsWhiteSpace) ? "'" + t.Text + "'" : t.Text));
    }

    private string? Notify(SyntaxNode statement)
    {
        if (statement.Arguments.Count > 1)
        {
            _diagnostics.Difference(statement.Arguments[1], $"{statement.Name}: a user and group of its own are not supported here (script_user applies); '{statement.Arguments[1].Text}' and after are ignored");
        }

        return Text(statement, 0);
    }

    private static KeepalivedSourceLocation Location(SyntaxNode statement) => new(statement.Keyword.File, statement.Keyword.Line);
}
