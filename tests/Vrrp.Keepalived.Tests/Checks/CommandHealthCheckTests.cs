using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Vrrp.Health;
using Vrrp.Keepalived.Checks;

namespace Vrrp.Keepalived.Tests.Checks;

/// <summary>Real processes: exit codes, a flood of output, and a hung script killed, tree and all, at its timeout.</summary>
public sealed class CommandHealthCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vrrp-command-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Exit_code_0_is_healthy()
    {
        VrrpCheckResult result = await new CommandHealthCheck(["sh", "-c", "exit 0"]).CheckAsync(TestContext.Current.CancellationToken);
        Assert.True(result.IsHealthy);
    }

    [Fact]
    public async Task Exit_code_1_is_failing()
    {
        VrrpCheckResult result = await CommandHealthCheck.FromScript("sh -c 'exit 1'").CheckAsync(TestContext.Current.CancellationToken);
        Assert.False(result.IsHealthy);
        Assert.Equal("exit code 1", result.Description);
    }

    [Fact]
    public async Task A_program_that_cannot_start_is_failing()
    {
        VrrpCheckResult result = await new CommandHealthCheck([Path.Combine(_directory, "no-such-program")]).CheckAsync(TestContext.Current.CancellationToken);
        Assert.False(result.IsHealthy);
        Assert.Contains("cannot start", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_one_string_form_passes_quoted_arguments_intact()
    {
        string marker = Path.Combine(_directory, "args");
        CommandHealthCheck check = CommandHealthCheck.FromScript($"sh -c 'printf \"%s|\" \"$@\" > {marker}' sh 'a b' c");
        Assert.True((await check.CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
        Assert.Equal("a b|c|", await File.ReadAllTextAsync(marker, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_flood_on_stdout_and_stderr_does_not_block_the_script()
    {
        // 16 MiB on each stream: far beyond a pipe's 64 KiB, so the script would block for ever if nobody read.
        var check = new CommandHealthCheck(["sh", "-c", "head -c 16777216 /dev/zero; head -c 16777216 /dev/zero >&2; exit 3"]);
        VrrpCheckResult result = await check.CheckAsync(TestContext.Current.CancellationToken);
        Assert.Equal("exit code 3", result.Description);
    }

    [Fact]
    public async Task Runs_as_another_user()
    {
        if (!Environment.IsPrivilegedProcess || Vrrp.Tests.Support.ExternalTool.Find("runuser") is null)
        {
            Assert.Skip("Switching user needs root and runuser.");
        }

        var check = new CommandHealthCheck(["sh", "-c", "test \"$(id -un)\" = nobody"]) { User = "nobody" };
        Assert.True((await check.CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
        Assert.False((await new CommandHealthCheck(["sh", "-c", "test \"$(id -un)\" = nobody"]).CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
    }

    [Fact]
    public async Task A_hung_script_is_killed_with_its_children_at_the_timeout_and_counts_as_a_failure()
    {
        string shellPid = Path.Combine(_directory, "shell.pid");
        string sleepPid = Path.Combine(_directory, "sleep.pid");
        var check = new CommandHealthCheck(["sh", "-c", $"echo $$ > {shellPid}.tmp && mv {shellPid}.tmp {shellPid}; sleep 30 & echo $! > {sleepPid}.tmp && mv {sleepPid}.tmp {sleepPid}; wait"]);
        var time = new FakeTimeProvider();
        await using var scheduled = new ScheduledHealthCheck(new ScheduledCheckOptions { Name = "hang", Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromSeconds(2) }, check, time);
        scheduled.Start();
        time.Advance(TimeSpan.Zero);
        int shell = await ReadPidAsync(shellPid);
        int sleep = await ReadPidAsync(sleepPid);
        Assert.True(IsAlive(shell));
        Assert.True(IsAlive(sleep));

        time.Advance(TimeSpan.FromSeconds(2));
        await scheduled.CurrentRun.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, scheduled.TimeoutCount);
        Assert.False(scheduled.IsHealthy);
        Assert.True(await IsGoneAsync(shell), $"the script {shell} is still running");
        Assert.True(await IsGoneAsync(sleep), $"its child sleep {sleep} is still running");
    }

    [Fact]
    public async Task A_hung_script_is_killed_with_its_whole_process_group_even_a_child_it_orphaned()
    {
        // Input: a script that starts "sleep 30" in a subshell that exits at once (the sleep is orphaned: no longer
        // the script's descendant), then hangs; its timeout is 2 s.
        // Expected: at the timeout the orphan dies too: the script runs in a process group of its own, and the group
        // is killed (before: only the script's descendants were, and the orphan ran on).
        string orphanPid = Path.Combine(_directory, "orphan.pid");
        var check = new CommandHealthCheck(["sh", "-c", $"(sleep 30 & echo $! > {orphanPid}.tmp && mv {orphanPid}.tmp {orphanPid}); sleep 30"]);
        var time = new FakeTimeProvider();
        await using var scheduled = new ScheduledHealthCheck(new ScheduledCheckOptions { Name = "orphaning", Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromSeconds(2) }, check, time);
        scheduled.Start();
        time.Advance(TimeSpan.Zero);
        int orphan = await ReadPidAsync(orphanPid);
        Assert.True(IsAlive(orphan));

        time.Advance(TimeSpan.FromSeconds(2));
        await scheduled.CurrentRun.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, scheduled.TimeoutCount);
        Assert.True(await IsGoneAsync(orphan), $"the orphaned sleep {orphan} is still running");
    }

    private static async Task<int> ReadPidAsync(string path)
    {
        // The script writes its pid as it starts; the file appears whole (mv), so wait for it to exist.
        while (!File.Exists(path))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return int.Parse((await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).Trim(), CultureInfo.InvariantCulture);
    }

    // A process is alive while /proc/PID exists and is not a zombie (killed, waiting only to be reaped).
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    // SIGKILL is delivered at once but the kernel tears the process down asynchronously: look until it is gone.
    private static async Task<bool> IsGoneAsync(int pid)
    {
        for (int i = 0; i < 500 && IsAlive(pid); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return !IsAlive(pid);
    }

    [Fact]
    public async Task A_bare_name_is_looked_up_on_the_safe_path_only_never_in_the_program_or_working_directory()
    {
        // Input: executables named "true" (exits 1) and "vrrp-cwd-probe" (leaves a mark) planted in the program's
        // directory, which .NET searches before PATH; checks for the bare names "true" and "vrrp-cwd-probe".
        // Expected: "true" runs /usr/bin/true (healthy); "vrrp-cwd-probe" is not found (failing) and leaves no mark.
        string shadow = Path.Combine(AppContext.BaseDirectory, "true");
        string probe = Path.Combine(AppContext.BaseDirectory, "vrrp-cwd-probe");
        string mark = Path.Combine(_directory, "probe-ran");
        try
        {
            File.WriteAllText(shadow, "#!/bin/sh\nexit 1\n");
            File.WriteAllText(probe, $"#!/bin/sh\ntouch {mark}\n");
            File.SetUnixFileMode(shadow, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(probe, (UnixFileMode)0b111_101_101);

            VrrpCheckResult trueResult = await new CommandHealthCheck(["true"]).CheckAsync(TestContext.Current.CancellationToken);
            VrrpCheckResult probeResult = await new CommandHealthCheck(["vrrp-cwd-probe"]).CheckAsync(TestContext.Current.CancellationToken);

            Assert.True(trueResult.IsHealthy, trueResult.Description);
            Assert.False(probeResult.IsHealthy);
            Assert.Contains("not found", probeResult.Description, StringComparison.Ordinal);
            Assert.False(File.Exists(mark), "the planted program ran");
        }
        finally
        {
            File.Delete(shadow);
            File.Delete(probe);
        }
    }
}
