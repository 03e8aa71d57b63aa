using System.Globalization;
using System.Text.RegularExpressions;

namespace Vrrp.Tests.Support;

/// <summary>The fields tshark printed for one VRRP frame in a vector's <c>.txt</c> decode.</summary>
internal sealed record TsharkVrrpFrame(
    int FrameNumber,
    int Version,
    int VirtualRouterId,
    int Priority,
    int AddressCount,
    int AdvertisementInterval,
    ushort Checksum,
    string ChecksumStatus,
    int? AuthenticationType,
    string? AuthenticationString,
    uint? AhSpi,
    uint? AhSequence,
    string? AhIcv,
    int TimeToLive,
    string Source,
    string Destination,
    IReadOnlyList<string> Addresses);

internal static partial class TsharkDecode
{
    public static List<TsharkVrrpFrame> Read(string path)
    {
        var frames = new List<TsharkVrrpFrame>();
        string[] blocks = FrameStart().Split(File.ReadAllText(path));
        foreach (string block in blocks)
        {
            Match number = FrameNumber().Match(block);
            if (!number.Success || !block.Contains("Virtual Router Redundancy Protocol", StringComparison.Ordinal))
            {
                continue;
            }

            string vrrp = block[block.IndexOf("Virtual Router Redundancy Protocol", StringComparison.Ordinal)..];
            frames.Add(new TsharkVrrpFrame(
                int.Parse(number.Groups[1].Value, CultureInfo.InvariantCulture),
                Int(vrrp, @"VRRP protocol version: (\d+)"),
                Int(vrrp, @"Virtual Rtr ID: (\d+)"),
                Int(vrrp, @"Priority: (\d+)"),
                Int(vrrp, @"Addr Count: (\d+)"),
                Int(vrrp, @"Adver Int: (\d+)"),
                ushort.Parse(Text(vrrp, @"Checksum: 0x([0-9a-f]{4})")!, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                Text(vrrp, @"\[Checksum Status: (\w+)\]")!,
                Text(vrrp, @"Auth Type: .*\((\d+)\)") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null,
                Text(vrrp, @"Authentication String: (\S+)"),
                Text(block, @"AH SPI: 0x([0-9a-f]+)") is { } spi ? uint.Parse(spi, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : null,
                Text(block, @"AH Sequence: (\d+)") is { } seq ? uint.Parse(seq, CultureInfo.InvariantCulture) : null,
                Text(block, @"AH ICV: ([0-9a-f]+)"),
                Text(block, @"(?:Time to Live|Hop Limit): (\d+)") is { } ttl ? int.Parse(ttl, CultureInfo.InvariantCulture) : -1,
                Text(block, @"Internet Protocol Version \d, Src: (\S+), Dst")!,
                Text(block, @"Internet Protocol Version \d, Src: \S+, Dst: (\S+)")!,
                Regex.Matches(vrrp, @"^    IP(?:v6)? Address: (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList()));
        }

        return frames;
    }

    private static int Int(string text, string pattern) => int.Parse(Text(text, pattern) ?? throw new InvalidDataException($"'{pattern}' not in decode"), CultureInfo.InvariantCulture);

    private static string? Text(string text, string pattern)
    {
        Match match = Regex.Match(text, pattern);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^Frame (?=\d+: )", RegexOptions.Multiline)]
    private static partial Regex FrameStart();

    [GeneratedRegex(@"^(\d+): ")]
    private static partial Regex FrameNumber();
}
