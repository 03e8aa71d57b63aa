using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>A router's protocol timers share one <see cref="TimeProvider"/> timer.</summary>
public sealed class RouterTimerTests
{
    [Fact]
    public void A_router_makes_one_timer_for_all_of_its_protocol_timers_and_each_still_fires_on_time()
    {
        // Input: two nodes (100, 90) at 1 s with gratuitous ARP refresh every 7 s and the second burst 5 s after
        // becoming master (three timers armed at once on the master, Master_Down on the backup); 70 s; then the
        // master stops gracefully and the backup takes over.
        // Expected: each router made exactly one timer; the master sent one advert per second and announced at
        // 0 s, 5 s and every 7 s; the backup became master within Skew_Time of the priority-0 advert.
        var clock = new VirtualClock();
        var counting = new CountingTimeProvider(clock);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder()
            .WithTimeProvider(counting)
            .AddNodes(100, 90)
            .ConfigureRouters(o =>
            {
                o.GarpMasterDelay = TimeSpan.FromSeconds(5);
                o.GarpMasterRefresh = TimeSpan.FromSeconds(7);
            })
            .Build();
        sim.Start();
        clock.Advance(TimeSpan.FromSeconds(10));
        VirtualRouter master = sim["r1"].Router, backup = sim["r2"].Router;
        Assert.Equal(VrrpState.Master, master.State);
        Assert.Equal(VrrpState.Backup, backup.State);
        long sentBefore = master.Statistics.AdvertisementsSent;
        int announcedBefore = sim["r1"].Addresses.AnnouncementCount;

        clock.Advance(TimeSpan.FromSeconds(70));

        Assert.Equal(2, counting.TimersCreated);
        Assert.Equal(70, master.Statistics.AdvertisementsSent - sentBefore);
        Assert.Equal(10, sim["r1"].Addresses.AnnouncementCount - announcedBefore); // refreshes every 7 s
        Assert.Equal(VrrpState.Backup, backup.State);

        master.Stop();
        clock.Advance(backup.SkewTime);
        Assert.Equal(VrrpState.Master, backup.State);
        Assert.Equal(2, counting.TimersCreated);
    }

    private sealed class CountingTimeProvider(VirtualClock inner) : TimeProvider
    {
        public int TimersCreated { get; private set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (state is VirtualRouter)
            {
                TimersCreated++; // the network has timers of its own
            }

            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }
}
