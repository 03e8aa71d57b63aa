namespace Vrrp.Tests.Support;

internal static class Hex
{
    /// <summary>
    /// Parses hex laid out field by field: on each line, what follows <c>|</c> is a comment; spaces are ignored.
    /// </summary>
    public static byte[] Parse(string text) =>
        Convert.FromHexString(string.Concat(text.Split('\n').Select(line => new string(line.Split('|')[0].Where(Uri.IsHexDigit).ToArray()))));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
