using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>The questions failover tests ask the simulator: gaps and split brain, adverts and the down timer, the frame log's size.</summary>
public sealed class SimulationHelperTests
{
    [Fact]
    public void After_a_crash_the_gap_with_no_master_is_the_backups_master_down_interval_and_nothing_overlaps()
    {
        // r2 (90) hears no advert after r1's crash: it takes over Master_Down_Interval after r1's last advert,
        // 3 x 1 s + (256 - 90) / 256 s = 3.6484375 s. r1 crashes just after an advert, so the gap is that, less the
        // few ticks between that advert and the crash.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90, 80).Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        DateTimeOffset lastAdvert = sim["r1"].Router.LastAdvertisementSent!.Value;
        sim.ResetMastership();

        sim.Crash("r1");
        TimeSpan crashAfterAdvert = sim.Clock.GetUtcNow() - lastAdvert;
        sim.RunFor(TimeSpan.FromSeconds(10));
        MastershipSummary mastership = sim.GetMastership();

        Assert.Equal(TimeSpan.FromSeconds(10), mastership.Window);
        Assert.Equal(TimeSpan.FromSeconds(3.6484375) - crashAfterAdvert, mastership.NoMaster);
        Assert.Equal(TimeSpan.Zero, mastership.SeveralMasters);
        Assert.Equal(1, mastership.MostMasters);
    }

    [Fact]
    public void A_partition_shows_as_time_with_several_masters_until_it_heals()
    {
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim.ResetMastership();

        sim.Partition(["r1"], ["r2"]);
        sim.RunFor(TimeSpan.FromSeconds(20));
        sim.Heal();
        sim.RunFor(TimeSpan.FromSeconds(10));
        MastershipSummary mastership = sim.GetMastership();

        Assert.Equal(2, mastership.MostMasters);
        Assert.InRange(mastership.SeveralMasters, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(17)); // 20 s less r2's down interval, until r2 hears r1 again
        Assert.Equal(TimeSpan.Zero, mastership.NoMaster);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
    }

    [Fact]
    public void Each_router_says_when_it_last_sent_and_heard_an_advert_and_when_its_down_timer_is_due()
    {
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10.5));
        VirtualRouter master = sim["r1"].Router, backup = sim["r2"].Router;

        Assert.Null(master.MasterDownDue);
        Assert.Null(backup.LastAdvertisementSent); // a backup that was never master sends nothing
        Assert.Equal(master.LastAdvertisementSent, backup.LastAdvertisementReceived); // loopback delivers at once
        Assert.InRange(sim.Clock.GetUtcNow() - master.LastAdvertisementSent!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Equal(backup.LastAdvertisementReceived + backup.MasterDownInterval, backup.MasterDownDue);
    }

    [Fact]
    public void The_frame_log_keeps_as_many_frames_as_asked_and_the_clock_is_the_virtual_one_unless_another_was_given()
    {
        using VrrpSimulation small = VrrpSimulation.CreateBuilder().AddNodes(100, 90, 80).WithFrameLogCapacity(10).Build();
        using VrrpSimulation large = VrrpSimulation.CreateBuilder().AddNodes(100, 90, 80).WithFrameLogCapacity(100_000).Build();
        foreach (VrrpSimulation sim in new[] { small, large })
        {
            sim.Start();
            sim.RunFor(TimeSpan.FromHours(1)); // about 7,200 frames: past the default 4,096
        }

        FrameRecord[] newest = small.Network.GetFrameLog();
        Assert.Equal(10, newest.Length);
        Assert.InRange(small.Clock.GetUtcNow() - newest[^1].Time, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.InRange(large.Network.GetFrameLog().Length, 7_100, 7_200); // one advert a second to two peers, from the first takeover on
        Assert.IsType<VirtualClock>(large.Clock);

        using VrrpSimulation real = VrrpSimulation.CreateBuilder().AddNodes(100).WithTimeProvider(TimeProvider.System).Build();
        Assert.Contains("WithTimeProvider", Assert.Throws<InvalidOperationException>(() => real.Clock).Message, StringComparison.Ordinal);
    }
}
