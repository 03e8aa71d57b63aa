namespace Vrrp.Keepalived.Tests;

/// <summary>Reads configuration text with no disk behind it, and strips what describes the text rather than the configuration.</summary>
internal static class Conf
{
    public const string File = "/etc/keepalived/keepalived.conf";

    public static KeepalivedConfiguration Parse(string text, InMemoryKeepalivedFileSystem? files = null) =>
        KeepalivedConfigurationReader.Parse(text, File, files ?? new InMemoryKeepalivedFileSystem());

    public static KeepalivedCheckResult Check(string text, InMemoryKeepalivedFileSystem? files = null) =>
        KeepalivedConfigurationReader.CheckText(text, File, files ?? new InMemoryKeepalivedFileSystem());

    public static KeepalivedConfigurationException Errors(string text, InMemoryKeepalivedFileSystem? files = null) =>
        Assert.Throws<KeepalivedConfigurationException>(() => Parse(text, files));

    /// <summary>One instance with what every instance needs, and <paramref name="body"/> from line 6 on (after the two lines of <paramref name="before"/>).</summary>
    public static string Instance(string body, string before = "\n\n") =>
        $"{before}vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n{body}\n    virtual_ipaddress {{\n        192.0.2.10/24\n    }}\n}}\n";

    /// <summary>The warnings but the notices of keywords read and not run yet, which each have a test of their own.</summary>
    public static IEnumerable<KeepalivedDiagnostic> WithoutNotRun(this IEnumerable<KeepalivedDiagnostic> warnings) =>
        // Also without keepalived's script-security notice, which any configuration with a script gets.
        warnings.Where(static w => !w.Message.Contains("is read but not run yet", StringComparison.Ordinal) && w.KeepalivedTest != KeepalivedTestOutcome.SecurityViolation);

    public static KeepalivedInstance ParseInstance(string body, string before = "\n\n") => Assert.Single(Parse(Instance(body, before)).Instances);

    public static KeepalivedConfiguration WithoutSource(this KeepalivedConfiguration configuration) => configuration with
    {
        Warnings = [],
        Instances = [.. configuration.Instances.Select(static i => i with { Source = default })],
        Scripts = [.. configuration.Scripts.Select(static s => s with { Source = default })],
        TrackFiles = [.. configuration.TrackFiles.Select(static t => t with { Source = default })],
        SyncGroups = [.. configuration.SyncGroups.Select(static g => g with { Source = default })],
        TrackGroups = [.. configuration.TrackGroups.Select(static g => g with { Source = default })],
    };

    public static string Lines(IEnumerable<KeepalivedDiagnostic> diagnostics) => string.Join("\n", diagnostics);
}
