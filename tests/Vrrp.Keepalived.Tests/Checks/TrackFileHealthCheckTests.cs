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
