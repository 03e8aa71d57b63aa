using Microsoft.Extensions.Logging.Testing;
using Vrrp.Diagnostics;
using Vrrp.Notifications;
using Vrrp.Transport;

namespace Vrrp.Testing.Tests.Notifications;

/// <summary>Metrics, logs and notifications add nothing to the steady state's allocations.</summary>
public sealed class ObservabilityAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Adverts_and_rate_limited_discards_allocate_zero_bytes_with_metrics_logs_and_notifications_attached(bool asNotifier)
    {
        // Input: a pair at 10 ms with VrrpMetrics, VirtualRouterLogger and a dispatcher attached to each router (or
        // the logger and dispatcher combined as every router's notifier); after warm-up (one discard already logged),
        // 10,000 adverts each way and 10,000 undecodable packets to the backup within one report interval, twice.
        // Expected: 0 bytes allocated on this thread in the second window; the discards counted, one log for them.
        var clock = new VirtualClock();
        using var metrics = new VrrpMetrics();
        var logger = new FakeLogger();
        var log = new VirtualRouterLogger(logger, clock, TimeSpan.FromHours(1));
        await using var dispatcher = new VrrpNotificationDispatcher(clock);
        dispatcher.AddHook("noop", (_, _, _) => default);
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder().WithTimeProvider(clock).AddNodes(100, 90).WithAdvertisementInterval(TimeSpan.FromMilliseconds(10));
        if (asNotifier)
        {
            builder.WithNotifier(VrrpNotifiers.Combine(log, dispatcher)!);
        }

        using VrrpSimulation sim = builder.Build();
        foreach (SimulatedNode node in sim.Nodes)
        {
            metrics.Track(node.Router);
            if (!asNotifier)
            {
                log.Attach(node.Router);
                dispatcher.Attach(node.Router);
            }
        }

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        VirtualRouter backup = sim["r2"].Router;
        byte[] garbage = new byte[3];
        backup.Receive(garbage, default(PacketMetadata));

        // The same load once unmeasured, then measured: what grows once (a queue reaching its working size while the
        // machine is busy with other tests) is not steady state.
        Window();
        long sentBefore = sim["r1"].Router.Statistics.AdvertisementsSent;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Window();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(10_000, sim["r1"].Router.Statistics.AdvertisementsSent - sentBefore);
        Assert.Equal(20_001, backup.Statistics.TotalDiscarded);
        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 3);
        Assert.Equal(0, allocated);

        void Window()
        {
            for (int i = 0; i < 10_000; i++)
            {
                backup.Receive(garbage, default(PacketMetadata));
            }

            sim.Clock.Advance(TimeSpan.FromSeconds(100));
        }
    }
}
