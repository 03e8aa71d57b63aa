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
}
