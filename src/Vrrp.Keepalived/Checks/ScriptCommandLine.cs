using System.Globalization;
using System.Text;
using Vrrp.Health;

namespace Vrrp.Keepalived.Checks;

/// <summary>Splits keepalived's one-string script form (<c>script "/path/check.sh 'an arg' other"</c>) into arguments.</summary>
/// <remarks>
/// The rules of keepalived.conf(5), "Quoted strings": unquoted whitespace separates arguments; a part between
/// <c>'</c> or <c>"</c> keeps its whitespace, the quotes are removed, and quoted and unquoted parts that touch make
/// one argument (<c>abcd" efg"</c> is <c>abcd efg</c>). Backslash escapes as the shell's: <c>\a \b \E \f \n \r \t \v</c>,
/// <c>\nnn</c> (up to 3 octal digits), <c>\xXX</c> (up to 2 hex digits), <c>\cC</c> (control-C), and <c>\C</c> for any
/// other character is that character, so <c>\\</c> is a backslash and <c>\"</c> a quote that neither opens nor closes
/// a quoted part. Give the text after <c>script</c> without its outer double quotes when a reader has removed them;
/// both forms split alike unless the script itself quotes with <c>"</c>.
/// </remarks>
public static class ScriptCommandLine
{
    /// <summary>Splits a script string into the program and its arguments.</summary>
    /// <param name="script">The script string.</param>
    /// <returns>The program first, then its arguments.</returns>
    /// <exception cref="FormatException">A quote is not closed, or the string holds no program.</exception>
    public static IReadOnlyList<string> Split(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var arguments = new List<string>();
        var current = new StringBuilder();
        bool inArgument = false;
        char quote = '\0';
        for (int i = 0; i < script.Length; i++)
        {
            char c = script[i];
            if (c == '\\' && i + 1 < script.Length)
            {
                i = ReadEscape(script, i + 1, current);
                inArgument = true;
                continue;
            }

            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            if (c is '\'' or '"')
            {
                quote = c;
                inArgument = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inArgument)
                {
                    arguments.Add(current.ToString());
                    current.Clear();
                    inArgument = false;
                }
            }
            else
            {
                current.Append(c);
                inArgument = true;
            }
        }

        if (quote != '\0')
        {
            throw new FormatException($"The script string has an unclosed {quote} quote: {script}");
        }

        if (inArgument)
        {
            arguments.Add(current.ToString());
        }

        if (arguments.Count == 0 || arguments[0].Length == 0)
        {
            throw new FormatException("The script string names no program.");
        }

        return arguments;
    }

    // Reads the escape whose letter is at i; returns the index of its last character.
    private static int ReadEscape(string text, int i, StringBuilder into)
    {
        char c = text[i];
        switch (c)
        {
            case 'a': into.Append('\a'); return i;
            case 'b': into.Append('\b'); return i;
            case 'E': into.Append('\u001b'); return i;
            case 'f': into.Append('\f'); return i;
            case 'n': into.Append('\n'); return i;
            case 'r': into.Append('\r'); return i;
            case 't': into.Append('\t'); return i;
            case 'v': into.Append('\v'); return i;
            case 'c' when i + 1 < text.Length:
                into.Append((char)(char.ToUpperInvariant(text[i + 1]) ^ 0x40));
                return i + 1;
            case 'x' when i + 1 < text.Length && char.IsAsciiHexDigit(text[i + 1]):
            {
                int length = i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 2]) ? 2 : 1;
                into.Append((char)int.Parse(text.AsSpan(i + 1, length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                return i + length;
            }

            case >= '0' and <= '7':
            {
                int value = 0;
                int end = i;
                while (end < text.Length && end < i + 3 && text[end] is >= '0' and <= '7')
                {
                    value = (value * 8) + (text[end] - '0');
                    end++;
                }

                into.Append((char)(value & 0xFF));
                return end - 1;
            }

            default:
                into.Append(c);
                return i;
        }
    }
}
