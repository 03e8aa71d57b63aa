namespace Vrrp.Keepalived.Tests;

/// <summary>
/// <c>vrrpd --check</c> gives <c>keepalived -t</c>'s verdict on every real-world configuration of Corpus/real: each
/// file's <c># keepalived-t:</c> line was written by eng/differential/keepalived_t.py from keepalived 2.2.7 itself.
/// </summary>
public sealed class KeepalivedVerdictTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Corpus", "real");

    public static TheoryData<string> Files => [.. System.IO.Directory.GetFiles(Directory, "*.conf").Select(static f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_corpus_holds_at_least_30_real_configurations_each_naming_its_source()
    {
        string[] files = System.IO.Directory.GetFiles(Directory, "*.conf");

        Assert.True(files.Length >= 30, $"{files.Length} files");
        Assert.All(files, f => Assert.Contains("# source: ", File.ReadAllText(f), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_verdict_is_keepalived_s(string file)
    {
        string path = Path.Combine(Directory, file);
        string expected = File.ReadLines(path).Single(static l => l.StartsWith("# keepalived-t: ", StringComparison.Ordinal))["# keepalived-t: ".Length..].Trim();

        KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(path);

        string said = string.Join("\n", result.Errors.Select(static e => $"error: {e}").Concat(result.Warnings.Select(static w => $"warning ({w.KeepalivedTest}): {w}")));
        Assert.True(expected == (result.KeepalivedTestExitCode == 0 ? "valid" : "invalid"), $"keepalived -t: {expected}; vrrpd --check exit {result.KeepalivedTestExitCode}:\n{said}");
    }

    private static KeepalivedCheckResult Check(string text) => KeepalivedConfigurationReader.CheckText(text, "keepalived.conf", new InMemoryKeepalivedFileSystem());

    private const string Instance = "vrrp_instance VI_1 {\n interface lab0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  198.51.100.100/24\n }\n}\n";

    [Fact]
    public void Differences_of_vrrpd_s_own_do_not_fail_keepalived_s_test()
    {
        // Read but not run, or not supported here: vrrpd says so, but keepalived -t would pass the file.
        KeepalivedCheckResult result = Check("global_defs {\n smtp_server 198.51.100.1\n vrrp_garp_extra_if 5\n}\n" + Instance);

        Assert.Equal(2, result.Warnings.Count);
        Assert.All(result.Warnings, static w => Assert.Equal(KeepalivedTestOutcome.NotReported, w.KeepalivedTest));
        Assert.Equal(0, result.KeepalivedTestExitCode);
    }

    [Fact]
    public void Scripts_without_enable_script_security_are_keepalived_s_security_violation()
    {
        const string Script = "vrrp_script chk {\n script \"/bin/true\"\n}\n";

        KeepalivedDiagnostic violation = Assert.Single(Check(Script + Instance).Warnings);
        Assert.Equal((1, KeepalivedTestOutcome.SecurityViolation), (violation.Line, violation.KeepalivedTest));
        Assert.Equal(6, Check(Script + Instance).KeepalivedTestExitCode);
        Assert.Equal(0, Check("global_defs {\n enable_script_security\n script_user nobody\n}\n" + Script + Instance).KeepalivedTestExitCode);
    }

    [Fact]
    public void An_instance_tracking_its_own_interface_drops_that_track_and_a_lone_sync_group_is_reported_as_keepalived_does()
    {
        KeepalivedCheckResult result = Check(Instance.Replace(" priority 100\n", " priority 100\n track_interface {\n  lab0 weight 10\n  lab1\n }\n", StringComparison.Ordinal)
            + "vrrp_sync_group G {\n group {\n  VI_1\n }\n}\n");

        Assert.Equal(["lab1"], result.Configuration!.Instances[0].TrackInterfaces.Select(static t => t.Name));
        Assert.Contains(result.Warnings, static w => w.Message.Contains("Ignoring track_interface lab0 since own interface", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, static w => w.Message.Contains("Sync group G has only 1 virtual router(s)", StringComparison.Ordinal));
        Assert.Equal(5, result.KeepalivedTestExitCode);
    }
}
