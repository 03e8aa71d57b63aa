using Vrrp.Health;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>A scheduled check (keepalived's vrrp_script with rise, fall and a negative weight) moves mastership in a simulated cluster.</summary>
public sealed class ScheduledHealthCheckSimulationTests
{
    [Fact]
    public async Task A_failing_check_on_the_master_hands_over_and_its_recovery_preempts_back()
    {
        // Input: r1 (priority 100) tracks a service check, weight −20, fall 2, rise 2, every second; r2 has priority 90.
        //        The service on r1 fails at 10 s and recovers at 20 s.
        // Expected: r1 master; two failed runs bring it to 80, r2 preempts; two good runs bring r1 back to 100 and it
        //           preempts r2. Exactly one master at every check and addresses only on the master.
        var clock = new VirtualClock();
        var service = new ServiceFlag();
        await using var scheduled = new ScheduledHealthCheck(
            new ScheduledCheckOptions { Name = "chk_service", Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromMilliseconds(500), Rise = 2, Fall = 2, Weight = -20 },
            service,
            clock);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder()
            .WithTimeProvider(clock)
            .AddNode("r1", 100, o => o.TrackedChecks.Add(scheduled.Tracked))
            .AddNode("r2", 90)
            .Build();
        sim.Start();
        scheduled.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(100, sim["r1"].Router.Priority);

        service.Healthy = false;
        sim.RunFor(TimeSpan.FromSeconds(1)); // one failed run of two: nothing moves yet
        Assert.Equal(100, sim["r1"].Router.Priority);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);

        sim.RunFor(TimeSpan.FromSeconds(9));
        Assert.Equal(80, sim["r1"].Router.Priority);
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(VrrpState.Backup, sim["r1"].Router.State);
        Assert.Empty(sim.CheckAddressInvariant());

        service.Healthy = true;
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal(100, sim["r1"].Router.Priority);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Empty(sim.CheckAddressInvariant());

        TestContext.Current.TestOutputHelper?.WriteLine(sim.FormatTimeline());
        string[] transitions = [.. sim.GetTimeline().Where(e => e.Note is null).Select(e => $"{e.Node} {e.Change.From}->{e.Change.To} {e.Change.Reason} prio {e.Change.Priority}")];
        Assert.Equal(
            [
                "r1 Initialize->Backup Startup prio 100",
                "r2 Initialize->Backup Startup prio 90",
                "r1 Backup->Master NoResponse prio 100",
                "r2 Backup->Master Preempted prio 90", // RFC 9568 §6.4.2: a preempting backup ignores the lower priority; RFC 8347 "preempted"
                "r1 Master->Backup Preempted prio 80",
                "r1 Backup->Master Preempted prio 100",
                "r2 Master->Backup Preempted prio 90",
            ],
            transitions);
    }

    [Fact]
    public async Task A_failing_check_of_weight_0_puts_the_master_in_fault_and_recovery_takes_it_back()
    {
        // Input: r1 (100) tracks a weight-0 check with fall 3 and rise 1; r2 (90). The service fails at 10 s, recovers at 20 s.
        // Expected: r1 goes to Fault after the third failed run and r2 takes over; one good run brings r1 back as master.
        var clock = new VirtualClock();
        var service = new ServiceFlag();
        await using var scheduled = new ScheduledHealthCheck(new ScheduledCheckOptions { Name = "chk", Fall = 3 }, service, clock);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder()
            .WithTimeProvider(clock)
            .AddNode("r1", 100, o => o.TrackedChecks.Add(scheduled.Tracked))
            .AddNode("r2", 90)
            .Build();
        sim.Start();
        scheduled.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));

        service.Healthy = false;
        sim.RunFor(TimeSpan.FromSeconds(2));
        Assert.Equal(VrrpState.Master, sim["r1"].Router.State);
        sim.RunFor(TimeSpan.FromSeconds(8));
        Assert.Equal(VrrpState.Fault, sim["r1"].Router.State);
        Assert.Equal(StateChangeReason.CheckFailed, sim["r1"].Router.GetHistory()[^1].Reason);
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);

        service.Healthy = true;
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Empty(sim.CheckAddressInvariant());
    }

    private sealed class ServiceFlag : IVrrpHealthCheck
    {
        public bool Healthy { get; set; } = true;

        public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(Healthy ? VrrpCheckResult.Healthy : VrrpCheckResult.Failure("service down"));
    }
}
