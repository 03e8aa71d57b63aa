using Microsoft.Extensions.Time.Testing;
using Vrrp.Health;
using Vrrp.Keepalived.Checks;

namespace Vrrp.Keepalived.Tests.Checks;

/// <summary>keepalived's track_file: the file's number read as strtol(text, NULL, 0), missing or garbage as 0, out of range ignored.</summary>
public sealed class TrackFileHealthCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vrrp-trackfile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("12\n", 12)]
    [InlineData("  -5", -5)]
    [InlineData("+7 trailing words", 7)]
    [InlineData("0x10", 16)]
    [InlineData("010", 8)]
    [InlineData("09", 0)]
    [InlineData("0x", 0)]
    [InlineData("abc", 0)]
    [InlineData("", 0)]
    [InlineData("2147483648", 2147483648)]
    [InlineData("-2147483648", -2147483648)]
    public async Task Reads_the_number_as_keepalived(string content, long expected)
    {
        string path = Path.Combine(_directory, "value");
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);

        VrrpCheckResult result = await new TrackFileHealthCheck(path).CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public async Task A_missing_file_reads_as_0()
    {
        VrrpCheckResult result = await new TrackFileHealthCheck(Path.Combine(_directory, "absent")).CheckAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, result.Value);
    }

    [Fact]
    public async Task An_out_of_range_number_is_ignored_and_the_last_value_stands()
    {
        string path = Path.Combine(_directory, "value");
        var check = new TrackFileHealthCheck(path);
        await File.WriteAllTextAsync(path, "42", TestContext.Current.CancellationToken);
        Assert.Equal(42, (await check.CheckAsync(TestContext.Current.CancellationToken)).Value);

        await File.WriteAllTextAsync(path, "99999999999", TestContext.Current.CancellationToken);
        VrrpCheckResult result = await check.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(42, result.Value);
        Assert.Contains("ignored", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_file_writes_the_value_only_when_the_file_is_missing_unless_overwrite()
    {
        string missing = Path.Combine(_directory, "missing");
        Assert.Equal(5, (await new TrackFileHealthCheck(missing) { InitFile = 5 }.CheckAsync(TestContext.Current.CancellationToken)).Value);
        Assert.Equal("5\n", await File.ReadAllTextAsync(missing, TestContext.Current.CancellationToken));

        string existing = Path.Combine(_directory, "existing");
        await File.WriteAllTextAsync(existing, "9", TestContext.Current.CancellationToken);
        Assert.Equal(9, (await new TrackFileHealthCheck(existing) { InitFile = 5 }.CheckAsync(TestContext.Current.CancellationToken)).Value);
        Assert.Equal(5, (await new TrackFileHealthCheck(existing) { InitFile = 5, InitFileOverwrite = true }.CheckAsync(TestContext.Current.CancellationToken)).Value);
    }

    [Fact]
    public async Task Init_file_never_writes_through_a_planted_link_and_a_fifo_at_the_path_never_hangs_the_check()
    {
        // Before: init_file was written with File.WriteAllText, which followed a link planted at the path (root wrote
        // its number into the link's target), and the value was read with a blocking open, so a FIFO there hung the
        // check for ever.
        string target = Path.Combine(_directory, "precious");
        await File.WriteAllTextAsync(target, "keep me", TestContext.Current.CancellationToken);
        string link = Path.Combine(_directory, "planted");
        File.CreateSymbolicLink(link, target);
        string dangling = Path.Combine(_directory, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(_directory, "would-be-created"));

        await new TrackFileHealthCheck(link) { InitFile = 5, InitFileOverwrite = true }.CheckAsync(TestContext.Current.CancellationToken);
        await new TrackFileHealthCheck(dangling) { InitFile = 5 }.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal("keep me", await File.ReadAllTextAsync(target, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(Path.Combine(_directory, "would-be-created")));

        string fifo = Path.Combine(_directory, "fifo");
        using (System.Diagnostics.Process mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo)!)
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        // On a thread of its own: a check that blocks in open() would block its caller.
        VrrpCheckResult result = await Task.Run(() => new TrackFileHealthCheck(fifo).CheckAsync(CancellationToken.None).AsTask(), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(0, result.Value);
    }

    [Fact]
    public async Task Scheduled_the_file_moves_the_priority_by_value_times_weight_and_faults_below_minus_253()
    {
        string path = Path.Combine(_directory, "load");
        await File.WriteAllTextAsync(path, "30", TestContext.Current.CancellationToken);
        var time = new FakeTimeProvider();
        await using var scheduled = new ScheduledHealthCheck(new ScheduledCheckOptions { Name = "load", Weight = -2, Interval = TimeSpan.FromSeconds(1) }, new TrackFileHealthCheck(path), time);
        scheduled.Start();
        time.Advance(TimeSpan.Zero);
        Assert.Equal(-60, scheduled.Tracked.PriorityDelta);

        await File.WriteAllTextAsync(path, "127", TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(scheduled.Tracked.CausesFault); // −254

        File.Delete(path);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(scheduled.Tracked.CausesFault);
        Assert.Equal(0, scheduled.Tracked.PriorityDelta);
    }
}
