using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// vrrp_track_process and track_process read as keepalived 2.2's parser reads them, and reaching the plan as a check
/// of the instance. Before: both were warned "not VRRP configuration" and dropped, so the instance ignored its process.
/// </summary>
public sealed class TrackProcessTests
{
    private const string Instance = "vrrp_instance VI_1 {\n interface lab0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  198.51.100.100/24\n }\n track_process {\n  haproxy_up weight -20\n }\n}\n";

    private static KeepalivedCheckResult Check(string body, string instance = Instance) =>
        KeepalivedConfigurationReader.CheckText($"vrrp_track_process haproxy_up {{\n{body}\n}}\n{instance}", "keepalived.conf", new InMemoryKeepalivedFileSystem());

    [Fact]
    public void A_whole_section_is_read_and_the_instance_tracks_it_with_its_own_weight()
    {
        KeepalivedCheckResult result = Check(" process haproxy -f /etc/haproxy.cfg\n param_match partial\n weight 10 reverse\n quorum_max 4\n quorum 2\n delay 0.5\n terminate_delay 2");
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);

        KeepalivedTrackProcess process = Assert.Single(result.Configuration!.TrackProcesses);
        Assert.Equal(["-f", "/etc/haproxy.cfg"], process.Parameters);
        Assert.Equal(
            ("haproxy", KeepalivedParameterMatch.Partial, true, 10, true, 2, 4, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2)),
            (process.Process, process.ParameterMatch, process.FullCommand, process.Weight, process.WeightReverse, process.Quorum, process.QuorumMaximum, process.ForkDelay, process.TerminateDelay));

        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        KeepalivedTrackPlan track = Assert.Single(plan.Routers[0].Tracks);
        Assert.Equal(("process:haproxy_up", -20, true), (track.CheckKey, track.Weight, track.Reverse)); // the instance's weight, the section's reverse
        Assert.True(plan.Checks["process:haproxy_up"].UsesProcesses);
    }

    [Theory]
    [InlineData(" process haproxy", KeepalivedParameterMatch.None, false)]          // the process name
    [InlineData(" process haproxy\n full_command", KeepalivedParameterMatch.None, true)]
    [InlineData(" process haproxy -d", KeepalivedParameterMatch.Exact, true)]      // parameters alone: exact
    [InlineData(" process haproxy\n param_match", KeepalivedParameterMatch.Exact, true)] // no parameters at all
    [InlineData(" param_match initial\n process haproxy -d", KeepalivedParameterMatch.Initial, true)]
    public void Parameters_and_param_match_choose_what_is_compared(string body, KeepalivedParameterMatch match, bool fullCommand)
    {
        KeepalivedCheckResult result = Check(body);
        Assert.Empty(result.Errors);

        KeepalivedTrackProcess process = Assert.Single(result.Configuration!.TrackProcesses);
        Assert.Equal((match, fullCommand), (process.ParameterMatch, process.FullCommand));
    }

    [Fact]
    public void Quorum_max_0_means_healthy_while_none_runs()
    {
        KeepalivedTrackProcess process = Assert.Single(Check(" process haproxy\n quorum_max 0").Configuration!.TrackProcesses);

        Assert.Equal((0, 0), (process.Quorum, process.QuorumMaximum));
    }

    [Theory]
    [InlineData(" process haproxy\n quorum_max 2\n quorum 3", 4, "Quorum is greater than quorum_max - ignoring")]
    [InlineData(" process haproxy\n quorum 3\n quorum_max 2", 4, "quorum_max is less than quorum - ignoring")]
    [InlineData(" process haproxy\n process nginx", 3, "Process already set for track process haproxy_up - ignoring nginx")]
    [InlineData(" process haproxy\n param_match fuzzy", 3, "Invalid param_match type fuzzy - ignoring")]
    public void What_keepalived_ignores_is_ignored_with_its_words_at_the_line(string body, int line, string words)
    {
        KeepalivedCheckResult result = Check(body);

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, d => d.Line == line && d.Message.Contains(words, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(" weight 1", 1, "process is missing")]
    [InlineData(" process haproxy\n weight 300", 3, "-254 to 254")]
    [InlineData(" process haproxy\n quorum 0", 3, "1 to 65535")]
    [InlineData(" process haproxy\n delay 3601", 3, "3600")]
    public void Bad_values_are_refused_with_the_range(string body, int line, string words)
    {
        KeepalivedCheckResult result = Check(body);

        Assert.Contains(result.Errors.Concat(result.Warnings), d => d.Line == line && d.Message.Contains(words, StringComparison.Ordinal));
    }

    [Fact]
    public void An_instance_naming_no_vrrp_track_process_is_refused()
    {
        KeepalivedCheckResult result = Check(" process haproxy", Instance.Replace("haproxy_up weight", "nginx_up weight", StringComparison.Ordinal));

        Assert.Contains(result.Errors, d => d.Message.Contains("'nginx_up', which is no vrrp_track_process", StringComparison.Ordinal));
    }

    [Fact]
    public void Written_and_read_back_it_is_the_same()
    {
        KeepalivedConfiguration first = Check(" process \"/usr/sbin/my daemon\" -x \"a b\"\n param_match initial\n weight -5\n quorum_max 3\n quorum 2\n fork_delay 1.5").Configuration!;
        string written = KeepalivedConfigurationWriter.Write(first);
        KeepalivedCheckResult again = KeepalivedConfigurationReader.CheckText(written, "keepalived.conf", new InMemoryKeepalivedFileSystem());

        Assert.Empty(again.Errors);
        Assert.Equal(first.TrackProcesses, again.Configuration!.TrackProcesses.Select(p => p with { Source = first.TrackProcesses[0].Source }));
        Assert.Equal(first.Instances[0].TrackProcesses, again.Configuration.Instances[0].TrackProcesses);
    }
}
