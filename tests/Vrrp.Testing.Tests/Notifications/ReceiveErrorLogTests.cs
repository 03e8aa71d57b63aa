using Microsoft.Extensions.Logging.Testing;
using Vrrp.Diagnostics;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Testing.Tests.Notifications;

/// <summary>Logs of transitions and rate-limited receive errors.</summary>
public sealed class ReceiveErrorLogTests
{
    private static long Suppressed(FakeLogRecord record) => long.Parse(record.GetStructuredStateValue("Suppressed")!, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Receive_errors_are_logged_at_most_once_per_reason_per_interval_with_the_count_suppressed(bool asNotifier)
    {
        // Input: interval 10 s; 5 bad packets at t0, 1 at t0+5 s, 1 at t0+11 s, and 2 of another kind at t0; the
        // logger attached to the router, or given to it as its notifier (combined with another that throws).
        // Expected: event 3 logged at t0 (suppressed 0) for each reason, then at t0+11 s with 5 suppressed; nothing at t0+5 s.
        var clock = new VirtualClock();
        var logger = new FakeLogger();
        var log = new VirtualRouterLogger(logger, clock, TimeSpan.FromSeconds(10));
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder().WithTimeProvider(clock).AddNodes(100);
        if (asNotifier)
        {
            builder.WithNotifier(VrrpNotifiers.Combine(new ThrowingNotifier(), log)!);
        }

        using VrrpSimulation sim = builder.Build();
        VirtualRouter router = sim["r1"].Router;
        using IDisposable? attached = asNotifier ? null : log.Attach(router);
        sim.Start();
        byte[] tooShort = new byte[3];
        byte[] otherVrid = new byte[64];
        var advert = new VrrpPacket(VrrpVersion.V3, 77, 100, 100, System.Net.Sockets.AddressFamily.InterNetwork, [198, 51, 100, 100]);
        Assert.True(VrrpDatagram.TryWriteIPv4(otherVrid, advert, PackedIPAddress.Parse("198.51.100.9"), PackedIPAddress.Parse("224.0.0.18"), 1, VrrpChecksumForm.PseudoHeader, null, 0, out int length));
        otherVrid = otherVrid[..length];

        for (int i = 0; i < 5; i++)
        {
            router.Receive(tooShort, default(PacketMetadata));
        }

        router.Receive(otherVrid, default(PacketMetadata));
        router.Receive(otherVrid, default(PacketMetadata));
        List<FakeLogRecord> Discards() => [.. logger.Collector.GetSnapshot().Where(r => r.Id.Id == 3)];
        Assert.Equal(2, Discards().Count);
        Assert.All(Discards(), r => Assert.Equal(0, Suppressed(r)));
        Assert.Equal(["IPHeader", "VirtualRouterId"], Discards().Select(r => r.GetStructuredStateValue("Reason")));

        clock.Advance(TimeSpan.FromSeconds(5));
        router.Receive(tooShort, default(PacketMetadata));
        Assert.Equal(2, Discards().Count);

        clock.Advance(TimeSpan.FromSeconds(6));
        router.Receive(tooShort, default(PacketMetadata));
        Assert.Equal(3, Discards().Count);
        Assert.Equal(5, Suppressed(Discards()[2]));
        Assert.Equal(Discards()[0].GetStructuredStateValue("Reason"), Discards()[2].GetStructuredStateValue("Reason"));
        Assert.Equal(9, Enum.GetValues<VrrpPacketStatus>().Sum(s => s == VrrpPacketStatus.Valid ? 0 : router.Statistics.Discarded(s)));
    }

    [Fact]
    public void Transitions_are_logged_with_their_event_id_and_stop_after_detach()
    {
        // Input: r1 alone becomes master; the logger is detached; r1 stops.
        // Expected: two event-1 records (Backup, Master) naming the router and the states; none for the stop.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        var logger = new FakeLogger();
        IDisposable attached = new VirtualRouterLogger(logger, sim.Time).Attach(sim["r1"].Router);
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        attached.Dispose();
        sim.Stop("r1");

        FakeLogRecord[] records = [.. logger.Collector.GetSnapshot().Where(r => r.Id.Id == 1)];
        Assert.Equal(["Backup", "Master"], records.Select(r => r.GetStructuredStateValue("To")));
        Assert.All(records, r => Assert.Equal("r1", r.GetStructuredStateValue("Router")));
    }

    [Fact]
    public void Transitions_reach_every_combined_notifier_even_past_one_that_throws()
    {
        // Input: r1 alone becomes master with Combine(throwing, logger) as its notifier; Combine of nothing and of one.
        // Expected: two event-1 records (Backup, Master); Combine() is null and Combine(x) is x itself.
        var logger = new FakeLogger();
        var clock = new VirtualClock();
        var log = new VirtualRouterLogger(logger, clock);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().WithTimeProvider(clock).AddNodes(100)
            .WithNotifier(VrrpNotifiers.Combine(new ThrowingNotifier(), null, log)!).Build();
        sim.Start();
        clock.Advance(TimeSpan.FromSeconds(5));

        FakeLogRecord[] records = [.. logger.Collector.GetSnapshot().Where(r => r.Id.Id == 1)];
        Assert.Equal(["Backup", "Master"], records.Select(r => r.GetStructuredStateValue("To")));
        Assert.Null(VrrpNotifiers.Combine());
        Assert.Same(log, VrrpNotifiers.Combine(null, log));
    }

    private sealed class ThrowingNotifier : IVrrpNotifier
    {
        public void OnStateChanged(VirtualRouter router, in StateChange change) => throw new InvalidOperationException("listener failed");

        public void OnPacketDiscarded(VirtualRouter router, VrrpPacketStatus reason) => throw new InvalidOperationException("listener failed");
    }
}
