using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Vrrp.Diagnostics;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Testing.Tests.Notifications;

/// <summary>The "Vrrp" meter read through MetricCollector.</summary>
public sealed class VrrpMetricsTests
{
    private static T Value<T>(MetricCollector<T> collector, string router, params (string Key, object Value)[] tags)
        where T : struct
    {
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot()
            .Where(m => Equals(m.Tags["vrrp.router"], router) && tags.All(t => Equals(m.Tags[t.Key], t.Value)))
            .Select(m => m.Value)
            .LastOrDefault();
    }

    [Fact]
    public void State_priority_counters_and_drops_match_the_routers_statistics()
    {
        // Input: r1 (100) and r2 (90) run 10 s; r2 gets three undecodable packets; then r1 stops gracefully.
        // Expected: state gauges 2 (master) and 1 (backup) with router, vrid and interface tags; adverts as counted by
        // the routers; three drops under their reason; one priority-0 advert sent by r1 and received by r2.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        using var factory = new TestMeterFactory();
        using var metrics = new VrrpMetrics(factory);
        metrics.Track(sim["r1"].Router);
        metrics.Track(sim["r2"].Router);
        Meter meter = Assert.Single(factory.Meters);
        Assert.Equal("Vrrp", meter.Name);
        using var state = new MetricCollector<int>(meter, "vrrp.router.state");
        using var sent = new MetricCollector<long>(meter, "vrrp.advertisements.sent");
        using var received = new MetricCollector<long>(meter, "vrrp.advertisements.received");
        using var discarded = new MetricCollector<long>(meter, "vrrp.packets.discarded");
        using var zeroSent = new MetricCollector<long>(meter, "vrrp.priority_zero.sent");
        using var zeroReceived = new MetricCollector<long>(meter, "vrrp.priority_zero.received");
        using var forms = new MetricCollector<long>(meter, "vrrp.advertisements.checksum_form");

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        VirtualRouter r1 = sim["r1"].Router, r2 = sim["r2"].Router;
        for (int i = 0; i < 3; i++)
        {
            r2.Receive(new byte[3], default(PacketMetadata));
        }

        state.RecordObservableInstruments();
        CollectedMeasurement<int> r1State = state.GetMeasurementSnapshot().Single(m => Equals(m.Tags["vrrp.router"], "r1"));
        Assert.Equal(2, r1State.Value);
        Assert.Equal(51, r1State.Tags["vrrp.vrid"]);
        Assert.Equal("sim0", r1State.Tags["vrrp.interface"]);
        Assert.Equal(1, Value(state, "r2"));
        Assert.True(r1.Statistics.AdvertisementsSent > 5);
        Assert.Equal(r1.Statistics.AdvertisementsSent, Value(sent, "r1"));
        Assert.Equal(r2.Statistics.AdvertisementsReceived, Value(received, "r2"));
        Assert.Equal(r2.Statistics.PseudoHeaderChecksums + r2.Statistics.MessageOnlyChecksums, Value(forms, "r2", ("vrrp.checksum.form", "pseudo_header")) + Value(forms, "r2", ("vrrp.checksum.form", "message_only")));
        VrrpPacketStatus reason = Enum.GetValues<VrrpPacketStatus>().Single(s => s != VrrpPacketStatus.Valid && r2.Statistics.Discarded(s) > 0);
        Assert.Equal(3, Value(discarded, "r2", ("vrrp.discard.reason", reason.ToString())));

        sim.Stop("r1");
        sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(1, Value(zeroSent, "r1"));
        Assert.Equal(1, Value(zeroReceived, "r2"));
    }

    [Fact]
    public void Transitions_are_counted_by_from_to_and_reason_so_flapping_shows()
    {
        // Input: r1 alone becomes master, then its interface goes down and up twice.
        // Expected: master->fault (InterfaceDown) counted twice, initialize->backup (Startup) once; last transition time = the last change's.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        using var metrics = new VrrpMetrics();
        VirtualRouter router = sim["r1"].Router;
        metrics.Track(router);
        using var transitions = new MetricCollector<long>(metrics.Meter, "vrrp.router.transitions");
        using var last = new MetricCollector<double>(metrics.Meter, "vrrp.router.last_transition");

        sim.Start();
        for (int i = 0; i < 2; i++)
        {
            sim.RunFor(TimeSpan.FromSeconds(5));
            router.SetInterfaceUp(false);
            sim.RunFor(TimeSpan.FromSeconds(1));
            router.SetInterfaceUp(true);
        }

        sim.RunFor(TimeSpan.FromSeconds(5));
        long Count(string from, string to, string reason) => transitions.GetMeasurementSnapshot()
            .Where(m => Equals(m.Tags["vrrp.state.from"], from) && Equals(m.Tags["vrrp.state.to"], to) && Equals(m.Tags["vrrp.reason"], reason))
            .Sum(m => m.Value);

        Assert.Equal(1, Count("initialize", "backup", "Startup"));
        Assert.Equal(2, Count("master", "fault", "InterfaceDown"));
        Assert.Equal(router.GetHistory().Length, transitions.GetMeasurementSnapshot().Sum(m => m.Value));
        DateTimeOffset lastChange = router.GetHistory()[^1].Timestamp;
        Assert.Equal(lastChange.ToUnixTimeMilliseconds() / 1000.0, Value(last, "r1"), precision: 3);
    }

    [Fact]
    public async Task Hook_runs_are_timed_and_overruns_and_failures_counted_per_hook()
    {
        // Input: one router going Backup then Master; hook "ok" returns, hook "bad" throws; budget 1 s.
        // Expected: two durations with outcome ok for "ok", two failures for "bad", no overrun.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        using var metrics = new VrrpMetrics();
        using var durations = new MetricCollector<double>(metrics.Meter, "vrrp.notification.hook.duration");
        using var failures = new MetricCollector<long>(metrics.Meter, "vrrp.notification.hook.failures");
        using var overruns = new MetricCollector<long>(metrics.Meter, "vrrp.notification.hook.overruns");
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time, metrics: metrics);
        dispatcher.AddHook("ok", (_, _, _) => default);
        dispatcher.AddHook("bad", (_, _, _) => throw new InvalidOperationException());
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, durations.GetMeasurementSnapshot().Count(m => Equals(m.Tags["vrrp.hook"], "ok") && Equals(m.Tags["vrrp.hook.outcome"], "ok")));
        Assert.Equal(2, failures.GetMeasurementSnapshot().Where(m => Equals(m.Tags["vrrp.hook"], "bad")).Sum(m => m.Value));
        Assert.Empty(overruns.GetMeasurementSnapshot());
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (Meter meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
