using System.Globalization;
using Vrrp;
using Vrrp.Notifications;
using Vrrp.Protocol;
using Vrrp.Testing;

// Three routers (priorities 100, 90, 80) at a 100 ms interval on an in-memory network, in real time. Each scene
// injects one fault and measures how long the cluster took to settle, next to the RFC 9568 figure.
TimeSpan interval = TimeSpan.FromMilliseconds(100);
using VrrpSimulation sim = VrrpSimulation.CreateBuilder()
    .WithTimeProvider(TimeProvider.System)
    .WithAdvertisementInterval(interval)
    .AddNodes(100, 90, 80)
    .TrackService(-20)
    .ConfigureRouters(o =>
    {
        // After a split brain, a yielding master sends one last advert (higher_prio_send_advert) so that the master
        // that stays hears a lower priority and re-announces its address (garp_lower_prio_repeat): clients that
        // followed the other side's gratuitous ARP come back.
        o.AdvertiseOnHigherPriority = true;
        o.GarpLowerPriorityRepeat = 1;
    })
    .Build();

DateTimeOffset start = DateTimeOffset.UtcNow;
var failures = new List<string>();
bool quiet = false;
foreach (SimulatedNode node in sim.Nodes)
{
    node.Router.StateChanged += (_, change) =>
    {
        if (!quiet)
        {
            Print(node.Name, change);
        }
    };
}

Console.WriteLine("VRRP demo: routers r1 (priority 100), r2 (90), r3 (80); VRRPv3, 100 ms adverts, virtual address 198.51.100.100");
Console.WriteLine("In memory and in real time: no root, no network. Times are measured; RFC figures are computed.");
Console.WriteLine("Real time is not exact: the system clock wakes a timer up to a few ms late, so a measured figure can sit a");
Console.WriteLine("millisecond or two past the RFC's. The tests run the same scenes on a virtual clock, where they are exact.");

await Scene("Startup: the highest priority is elected", async () =>
{
    sim.Start();
    await Settle("r1", TimeSpan.FromSeconds(2));
});

await Scene("r1 crashes: no priority 0 is sent, so r2 waits out Master_Down_Interval", async () =>
{
    TimeSpan took = await Measure(() => sim.Crash("r1"), "r2");
    Report(took, "Master_Down_Interval(90)", sim["r2"].Router.MasterDownInterval, atMost: true);
});

await Scene("r1 comes back and preempts r2 once its own down timer runs out", async () =>
{
    TimeSpan took = await Measure(() => sim.Restart("r1"), "r1");
    Report(took, "Master_Down_Interval(100)", sim["r1"].Router.MasterDownInterval, atMost: false);
});

await Scene("r1 stops gracefully: it sends priority 0, so r2 takes over after Skew_Time", async () =>
{
    TimeSpan took = await Measure(() => sim.Stop("r1"), "r2");
    Report(took, "Skew_Time(90)", sim["r2"].Router.SkewTime, atMost: false);
    sim.Restart("r1");
    await Settle("r1", TimeSpan.FromSeconds(2));
});

await Scene("The network splits: r1 alone | r2, r3. Each side elects a master: split brain", async () =>
{
    sim.Partition(["r1"], ["r2", "r3"]);
    await Task.Delay(TimeSpan.FromSeconds(1));
    IReadOnlyList<SimulatedNode> masters = sim.MastersOf();
    Console.WriteLine($"           masters now: {string.Join(", ", masters)} (split brain, as expected while cut)");
    Check(masters.Count == 2, "both sides should have a master while split");
});

await Scene("The network heals: r2 hears r1's higher priority and yields; r1 re-announces its address", async () =>
{
    int announcementsBefore = sim["r1"].Addresses.AnnouncementCount;
    TimeSpan took = await Measure(() => sim.Heal(), "r1", requireTransition: false, until: () => sim.MastersOf().Count == 1);
    Report(took, "one advertisement interval", interval, atMost: true);
    Check(sim["r1"].Addresses.AnnouncementCount > announcementsBefore, "r1 should re-announce after the heal");
});

await Scene("r1's tracked service fails (weight -20): 100 - 20 = 80 < 90, so r2 preempts", async () =>
{
    TimeSpan took = await Measure(() => sim["r1"].Service.SetHealthy(false), "r2");
    Report(took, "Master_Down_Interval(90)", sim["r2"].Router.MasterDownInterval, atMost: true);
});

await Scene("The service recovers: r1 is back to 100 and preempts when its down timer, armed at 80, runs out", async () =>
{
    TimeSpan took = await Measure(() => sim["r1"].Service.SetHealthy(true), "r1");
    Report(took, "Master_Down_Interval(80)", TimerMath.MasterDownInterval(3, 80, 10), atMost: true);
});

SimulatedNode final = sim.AssertExactlyOneMaster();
quiet = true;
Console.WriteLine();
Console.WriteLine($"Done in {(DateTimeOffset.UtcNow - start).TotalSeconds:F1} s: {final.Name} is the one master; " +
    $"{sim.Network.FramesSent} frames crossed the in-memory network; address invariant {(sim.CheckAddressInvariant().Count == 0 ? "held" : "BROKEN")}.");
if (failures.Count > 0)
{
    Console.WriteLine("Unexpected: " + string.Join("; ", failures));
    return 1;
}

return 0;

async Task Scene(string title, Func<Task> body)
{
    Console.WriteLine();
    Console.WriteLine($"== {title}");
    await body();
}

async Task Settle(string master, TimeSpan timeout)
{
    bool ok = await WaitUntil(() => sim.MastersOf() is [{ } m] && m.Name == master, timeout);
    Check(ok, $"{master} should be the one master");
}

async Task<TimeSpan> Measure(Action fault, string newMaster, bool requireTransition = true, Func<bool>? until = null)
{
    DateTimeOffset faultAt = TimeProvider.System.GetUtcNow();
    fault();
    until ??= () => sim.MastersOf() is [{ } m] && m.Name == newMaster;
    bool ok = await WaitUntil(until, TimeSpan.FromSeconds(5));
    Check(ok, $"{newMaster} should become the one master");
    StateChange[] history = sim[newMaster].Router.GetHistory();
    DateTimeOffset settled = requireTransition && history.Length > 0 && history[^1].To == VrrpState.Master
        ? history[^1].Timestamp
        : sim.GetTimeline().Where(e => e.Note is null).Select(e => start + e.Elapsed).DefaultIfEmpty(faultAt).Max();
    return settled - faultAt;
}

void Report(TimeSpan measured, string name, TimeSpan rfc, bool atMost)
{
    // Past the RFC's bound by a timer's wake-up: say so rather than leave a reader to wonder.
    string late = atMost && measured > rfc ? string.Create(CultureInfo.InvariantCulture, $"   (+{(measured - rfc).TotalMilliseconds:F1} ms: timer wake-up, see above)") : string.Empty;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"           measured {measured.TotalMilliseconds,7:F1} ms   RFC: {(atMost ? "at most " : string.Empty)}{name} = {rfc.TotalMilliseconds:F1} ms{late}"));
}

async Task<bool> WaitUntil(Func<bool> condition, TimeSpan timeout)
{
    DateTimeOffset deadline = DateTimeOffset.UtcNow + timeout;
    while (!condition())
    {
        if (DateTimeOffset.UtcNow > deadline)
        {
            return false;
        }

        await Task.Delay(5);
    }

    return true;
}

void Check(bool ok, string what)
{
    if (!ok)
    {
        failures.Add(what);
        Console.WriteLine($"           UNEXPECTED: {what}");
    }
}

void Print(string node, StateChange change) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {(change.Timestamp - start).TotalSeconds,7:F3}s  {node}: {change.From,-10} -> {change.To,-7} ({change.Reason}, priority {change.Priority})"));
