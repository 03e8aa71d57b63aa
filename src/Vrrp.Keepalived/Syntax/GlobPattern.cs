namespace Vrrp.Keepalived;

/// <summary>The shell wildcards keepalived's <c>include</c> takes (glob(3) in the file name part): <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[a-z]</c>, <c>[!a]</c>.</summary>
internal static class GlobPattern
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny("*?[") >= 0;

    public static bool IsMatch(string pattern, string name)
    {
        // Iterative matching with one backtrack point for '*': linear in practice, never recursive, so fuzzed patterns stay cheap.
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
                continue;
            }

            if (p < pattern.Length && MatchOne(pattern, ref p, name[n], out bool matched) && matched)
            {
                n++;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            n = ++starN;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    // Advances p past one pattern element when it is a single-character element.
    private static bool MatchOne(string pattern, ref int p, char c, out bool matched)
    {
        char head = pattern[p];
        if (head == '?')
        {
            p++;
            matched = true;
            return true;
        }

        if (head == '[')
        {
            int close = pattern.IndexOf(']', p + 2 < pattern.Length ? p + 2 : pattern.Length);
            if (close > p)
            {
                int i = p + 1;
                bool negate = pattern[i] is '!' or '^';
                if (negate)
                {
                    i++;
                }

                bool inSet = false;
                for (; i < close; i++)
                {
                    if (i + 2 < close && pattern[i + 1] == '-')
                    {
                        inSet |= c >= pattern[i] && c <= pattern[i + 2];
                        i += 2;
                    }
                    else
                    {
                        inSet |= c == pattern[i];
                    }
                }

                int start = p;
                p = close + 1;
                matched = inSet != negate;
                if (!matched)
                {
                    p = start;
                }

                return true;
            }
        }

        matched = head == c;
        if (matched)
        {
            p++;
        }

        return true;
    }
}
