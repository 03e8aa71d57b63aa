using Vrrp.Health;

namespace Vrrp.Testing.Tests;

/// <summary>The steady state of the protocol allocates nothing: encode, send, deliver, receive, validate, state machine, timers.</summary>
public sealed class SteadyStateAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_router_pair_exchanging_100000_adverts_allocates_zero_bytes_after_warm_up(bool ipv6)
    {
        // Input: a master and a backup at a 10 ms interval on the in-memory network and virtual clock.
        // Expected: 0 bytes allocated on this thread while 100,000 adverts are sent and received.
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder().AddNodes(100, 90).WithAdvertisementInterval(TimeSpan.FromMilliseconds(10));
        if (ipv6)
        {
            builder.UseIPv6();
        }

        using VrrpSimulation sim = builder.Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10)); // warm-up: election, pools, queues
        VirtualRouter master = sim.AssertExactlyOneMaster().Router;
        VirtualRouter backup = sim["r2"].Router;
        long sentBefore = master.Statistics.AdvertisementsSent;
        long receivedBefore = backup.Statistics.AdvertisementsReceived;

        long before = GC.GetAllocatedBytesForCurrentThread();
        sim.Clock!.Advance(TimeSpan.FromSeconds(1000));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(100_000, master.Statistics.AdvertisementsSent - sentBefore);
        Assert.Equal(100_000, backup.Statistics.AdvertisementsReceived - receivedBefore);
        Assert.Equal(0, backup.Statistics.TotalDiscarded);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Two_hundred_routers_sending_at_the_same_instant_allocate_zero_bytes_after_warm_up()
    {
        // Input: two nodes with 100 VRIDs each (200 routers), all masters advertising at the same instants.
        // Expected: 0 bytes allocated over a simulated minute (6,000 adverts), however many frames are in flight at once.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().WithVirtualRouterIds(Enumerable.Range(1, 100).Select(i => (byte)i).ToArray()).AddNodes(100, 90).Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(30));
        long sentBefore = sim["r1"].Routers.Sum(r => r.Statistics.AdvertisementsSent);

        long before = GC.GetAllocatedBytesForCurrentThread();
        sim.Clock!.Advance(TimeSpan.FromMinutes(1));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(6_000, sim["r1"].Routers.Sum(r => r.Statistics.AdvertisementsSent) - sentBefore);
        Assert.Equal(0, allocated);
    }

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
