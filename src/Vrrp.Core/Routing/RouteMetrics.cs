using System.Globalization;
using System.Text;

namespace Vrrp.Routing;

/// <summary>
/// The path and TCP settings of a route (<c>ip route</c>'s metrics, which keepalived's <c>virtual_routes</c> take):
/// <c>mtu</c>, <c>advmss</c>, <c>hoplimit</c>, <c>rtt</c>, <c>rttvar</c>, <c>reordering</c>, <c>window</c>,
/// <c>cwnd</c>, <c>ssthresh</c>, <c>rto_min</c>, <c>initcwnd</c>, <c>initrwnd</c>, <c>features ecn</c>,
/// <c>quickack</c>, <c>congctl</c>, <c>fastopen_no_cookie</c>; those that take it may be written <c>lock</c>, which keeps
/// the kernel from changing them from what it learns. Times are in the kernel's units: <c>rtt</c> in 1/8 ms,
/// <c>rttvar</c> in 1/4 ms, <c>rto_min</c> in ms (a value written with <c>s</c> or <c>ms</c> is converted, and held to
/// 200 ms to 120 s, as keepalived does).
/// </summary>
public sealed record RouteMetrics
{
    private static readonly string[] s_names =
        ["mtu", "advmss", "hoplimit", "rtt", "rttvar", "reordering", "window", "cwnd", "ssthresh", "rto_min", "initcwnd", "initrwnd", "quickack", "fastopen_no_cookie"];

    // The words that may be locked, and the time words with their unit in 1/n ms.
    private static readonly string[] s_lockable = ["mtu", "advmss", "rtt", "rttvar", "reordering", "cwnd", "ssthresh", "rto_min"];

    private readonly uint?[] _values = new uint?[s_names.Length];

    /// <summary>Gets the names of the metrics written with <c>lock</c> (and <c>congctl</c> when its algorithm is locked).</summary>
    public IReadOnlySet<string> Locked { get; private init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Gets a value indicating whether <c>features ecn</c> is set.</summary>
    public bool ExplicitCongestionNotification { get; private init; }

    /// <summary>Gets the congestion control algorithm (<c>congctl</c>), or <see langword="null"/>.</summary>
    public string? CongestionControl { get; private init; }

    /// <summary>Gets a value indicating whether no metric is set.</summary>
    public bool IsEmpty => !ExplicitCongestionNotification && CongestionControl is null && Array.TrueForAll(_values, static v => v is null);

    /// <summary>Gets a metric's value, or <see langword="null"/> when unset.</summary>
    /// <param name="name">Its name, as written: <c>mtu</c>, <c>rtt</c>, ...</param>
    /// <returns>The value in the kernel's units.</returns>
    public uint? this[string name] => Array.IndexOf(s_names, name) is int i and >= 0 ? _values[i] : null;

    /// <summary>Tells whether a word begins a metric.</summary>
    /// <param name="word">A word of a route.</param>
    /// <returns>Whether <see cref="TryRead"/> takes it.</returns>
    public static bool IsMetricWord(string word) => word is "features" or "congctl" || Array.IndexOf(s_names, word) >= 0;

    /// <summary>Reads one metric at <paramref name="index"/> (its word, an optional <c>lock</c>, its value) into a copy of these metrics.</summary>
    /// <param name="words">The route's words.</param>
    /// <param name="index">The metric's word; on return, its last word.</param>
    /// <param name="metrics">The metrics with it.</param>
    /// <param name="error">What is wrong, when the method returns <see langword="false"/>.</param>
    /// <returns>Whether it was read.</returns>
    public bool TryRead(string[] words, ref int index, out RouteMetrics metrics, out string? error)
    {
        ArgumentNullException.ThrowIfNull(words);
        metrics = this;
        string word = words[index];
        bool locked = false;
        int at = index + 1;
        if (at < words.Length && words[at] == "lock" && (s_lockable.Contains(word) || word == "congctl"))
        {
            locked = true;
            at++;
        }

        if (at >= words.Length)
        {
            error = $"has '{word}' without a value";
            return false;
        }

        string value = words[at];
        var copy = new RouteMetrics
        {
            Locked = locked ? new HashSet<string>(Locked.Append(word), StringComparer.Ordinal) : Locked,
            ExplicitCongestionNotification = ExplicitCongestionNotification,
            CongestionControl = CongestionControl,
        };
        Array.Copy(_values, copy._values, _values.Length);
        switch (word)
        {
            case "features":
                if (value != "ecn")
                {
                    error = $"has features '{value}': only ecn is supported (keepalived's words: feature not supported)";
                    return false;
                }

                copy = copy with { ExplicitCongestionNotification = true };
                break;
            case "congctl":
                if (value.Length is 0 or > 15 || !value.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                {
                    error = $"has congctl '{value}': an algorithm name of 1 to 15 letters, digits, '_' or '-'";
                    return false;
                }

                copy = copy with { CongestionControl = value };
                break;
            case "rtt" or "rttvar" or "rto_min":
                if (!TryParseTime(value, word switch { "rtt" => 8u, "rttvar" => 4u, _ => 1u }, out uint time))
                {
                    error = $"has {word} '{value}': a time (N, Nms or Ns) of 200 ms to 120 s";
                    return false;
                }

                copy._values[Array.IndexOf(s_names, word)] = time;
                break;
            default:
                uint max = word switch { "hoplimit" => 255u, "quickack" or "fastopen_no_cookie" => 1u, _ => uint.MaxValue };
                if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint number) || number > max)
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"has {word} '{value}': 0 to {max}");
                    return false;
                }

                copy._values[Array.IndexOf(s_names, word)] = number;
                break;
        }

        index = at;
        metrics = copy;
        error = null;
        return true;
    }

    /// <summary>Returns the metrics as a route writes them, each after a space.</summary>
    /// <returns>The words, as <c> mtu lock 1400 advmss 1360</c>.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (int i = 0; i < s_names.Length; i++)
        {
            if (_values[i] is { } value)
            {
                text.Append(' ').Append(s_names[i]).Append(Locked.Contains(s_names[i]) ? " lock " : " ").Append(value.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (ExplicitCongestionNotification)
        {
            text.Append(" features ecn");
        }

        if (CongestionControl is not null)
        {
            text.Append(" congctl ").Append(Locked.Contains("congctl") ? "lock " : "").Append(CongestionControl);
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(RouteMetrics? other) =>
        other is not null && _values.AsSpan().SequenceEqual(other._values) && Locked.SetEquals(other.Locked)
        && ExplicitCongestionNotification == other.ExplicitCongestionNotification && CongestionControl == other.CongestionControl;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ToString());

    // keepalived's get_time_rtt: a bare number is in the kernel's units; with ms or s it is converted (1/unit ms), and
    // the result held to 200 ms to 120 s.
    private static bool TryParseTime(string text, uint unit, out uint value)
    {
        value = 0;
        decimal milliseconds;
        int unitAt = text.IndexOfAny(['s', 'S']);
        if (unitAt < 0)
        {
            if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint number))
            {
                return false;
            }

            milliseconds = (decimal)number / unit;
        }
        else
        {
            if (text[unitAt..].ToLowerInvariant() is not ("s" or "sec" or "secs"))
            {
                return false;
            }

            bool ms = unitAt > 0 && char.ToLowerInvariant(text[unitAt - 1]) == 'm';
            string number = text[..(ms ? unitAt - 1 : unitAt)];
            if (number.Length == 0 || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount))
            {
                return false;
            }

            milliseconds = ms ? amount : amount * 1000;
        }

        milliseconds = Math.Clamp(milliseconds, 200m, 120_000m);
        value = (uint)(milliseconds * unit);
        return true;
    }
}
