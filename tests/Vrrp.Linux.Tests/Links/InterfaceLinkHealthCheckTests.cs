using Vrrp.Health;
using Vrrp.Linux.Links;
using Vrrp.Testing;

namespace Vrrp.Linux.Tests.Links;

/// <summary>keepalived's track_interface: up means UP and RUNNING (carrier); a missing interface is down.</summary>
public sealed class InterfaceLinkHealthCheckTests : IDisposable
{
    private readonly string _sys = Directory.CreateTempSubdirectory("vrrp-sysnet-").FullName;

    public void Dispose() => Directory.Delete(_sys, recursive: true);

    [Theory]
    [InlineData("0x1003", "1", true, "eth9 is up")]
    [InlineData("0x9", "1", true, "eth9 is up")]
    [InlineData("0x1003", "0", false, "eth9 has no carrier")]
    [InlineData("0x1003", null, false, "eth9 has no carrier")]
    [InlineData("0x1002", null, false, "eth9 is administratively down")]
    public async Task Up_needs_the_UP_flag_and_a_carrier(string flags, string? carrier, bool healthy, string description)
    {
        Directory.CreateDirectory(Path.Combine(_sys, "eth9"));
        await File.WriteAllTextAsync(Path.Combine(_sys, "eth9", "flags"), flags + "\n", TestContext.Current.CancellationToken);
        if (carrier is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(_sys, "eth9", "carrier"), carrier + "\n", TestContext.Current.CancellationToken);
        }

        VrrpCheckResult result = await new InterfaceLinkHealthCheck("eth9", _sys).CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(healthy, result.IsHealthy);
        Assert.Equal(description, result.Description);
    }

    [Fact]
    public async Task A_missing_interface_is_down()
    {
        VrrpCheckResult result = await new InterfaceLinkHealthCheck("nosuch0", _sys).CheckAsync(TestContext.Current.CancellationToken);
        Assert.False(result.IsHealthy);
        Assert.Equal("no interface nosuch0", result.Description);
    }

    [Fact]
    public async Task On_this_host_loopback_is_up_and_a_made_up_name_is_not()
    {
        Assert.True((await new InterfaceLinkHealthCheck("lo").CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
        Assert.False((await new InterfaceLinkHealthCheck("vrrpnone0").CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("..")]
    public void A_path_is_not_an_interface_name(string name) => Assert.Throws<ArgumentException>(() => new InterfaceLinkHealthCheck(name));

    [Fact]
    public async Task Loopback_checked_every_100_ms_like_track_interface_allocates_zero_bytes_after_warm_up()
    {
        // Input: vrrpd's track_interface check (an interface check scheduled every 100 ms) on this host's loopback, virtual clock.
        // Expected: 10,000 runs, all healthy, and 0 bytes allocated on this thread while they run.
        Assert.SkipUnless(Directory.Exists("/sys/class/net/lo"), "needs Linux sysfs (/sys/class/net/lo)");
        await AssertInterfaceChecksAllocateNothingAsync(new InterfaceLinkHealthCheck("lo"), healthy: true);
    }

    [Theory]
    [InlineData("0x1003", "1", true)]
    [InlineData("0x1003", "0", false)]
    [InlineData("0x1002", null, false)]
    public async Task An_interface_checked_every_100_ms_up_or_down_allocates_zero_bytes_after_warm_up(string flags, string? carrier, bool healthy)
    {
        // Input: the interface check every 100 ms on a sysfs-like folder: up; up without carrier; administratively down.
        // Expected: 10,000 runs with that result, and 0 bytes allocated on this thread while they run.
        DirectoryInfo sys = Directory.CreateTempSubdirectory("vrrp-sysnet-");
        try
        {
            Directory.CreateDirectory(Path.Combine(sys.FullName, "eth9"));
            await File.WriteAllTextAsync(Path.Combine(sys.FullName, "eth9", "flags"), flags + "\n", TestContext.Current.CancellationToken);
            if (carrier is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(sys.FullName, "eth9", "carrier"), carrier + "\n", TestContext.Current.CancellationToken);
            }

            await AssertInterfaceChecksAllocateNothingAsync(new InterfaceLinkHealthCheck("eth9", sys.FullName), healthy);
        }
        finally
        {
            sys.Delete(recursive: true);
        }
    }

    private static async Task AssertInterfaceChecksAllocateNothingAsync(InterfaceLinkHealthCheck check, bool healthy)
    {
        using (check)
        {
            var clock = new VirtualClock();
            await using var scheduled = new ScheduledHealthCheck(new ScheduledCheckOptions { Name = check.InterfaceName, Interval = TimeSpan.FromMilliseconds(100) }, check, clock);
            scheduled.Start();
            clock.Advance(TimeSpan.FromSeconds(10)); // warm-up
            long runsBefore = scheduled.RunCount;

            long before = GC.GetAllocatedBytesForCurrentThread();
            clock.Advance(TimeSpan.FromSeconds(1000));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(10_000, scheduled.RunCount - runsBefore);
            Assert.Equal(healthy, scheduled.IsHealthy);
            Assert.Equal(healthy, scheduled.LastResult.IsHealthy);
            Assert.Equal(0, allocated);
        }
    }
}
