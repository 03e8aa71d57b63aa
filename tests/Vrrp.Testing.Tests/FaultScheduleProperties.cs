using FsCheck.Xunit;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>
/// Invariants of the protocol over random fault schedules (crash, graceful stop, restart, partition, heal, priority
/// change) on 2 to 6 routers. Each case is generated from one seed: a failing seed replays exactly.
/// </summary>
public sealed class FaultScheduleProperties
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_step = TimeSpan.FromMilliseconds(10);

    [Property(MaxTest = 60)]
    public void After_the_last_fault_exactly_one_master_with_the_highest_priority_and_addresses_follow_masters(int seed)
    {
        CheckSchedule(seed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(20261125)]
    public void Recorded_seeds_replay(int seed) => CheckSchedule(seed);

    [Property(MaxTest = 40)]
    public void Failover_after_a_master_crash_takes_at_most_the_new_masters_down_interval(int seed)
    {
        var random = new Random(seed);
        int count = random.Next(2, 7);
        int[] priorities = DistinctPriorities(random, count);
        using VrrpSimulation sim = Build(priorities, seed);
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5) + TimeSpan.FromMilliseconds(random.Next(0, 1000)));
        SimulatedNode master = sim.AssertExactlyOneMaster();
        TimeSpan crashedAt = sim.Elapsed;

        sim.Crash(master.Name);
        sim.RunFor(TimeSpan.FromSeconds(10));

        SimulatedNode successor = sim.AssertExactlyOneMaster();
        TimeSpan takeover = sim.GetTimeline().First(e => e.Node == successor.Name && e.Note is null && e.Change.To == VrrpState.Master && e.Elapsed >= crashedAt).Elapsed;
        Assert.InRange(takeover - crashedAt, TimeSpan.Zero, successor.Router.MasterDownInterval);
        Assert.Equal(priorities.Where((_, i) => sim.Nodes[i] != master).Max(), successor.Router.Priority);
    }

    private static void CheckSchedule(int seed)
    {
        var random = new Random(seed);
        int count = random.Next(2, 7);
        int[] priorities = DistinctPriorities(random, count);
        using VrrpSimulation sim = Build(priorities, seed);
        var violations = new List<string>();
        foreach (SimulatedNode node in sim.Nodes)
        {
            node.Router.StateChanged += (_, _) => violations.AddRange(sim.CheckAddressInvariant());
        }

        sim.Start();
        bool partitioned = false;
        TimeSpan twoMasters = TimeSpan.Zero;
        TimeSpan longestTwoMasters = TimeSpan.Zero;
        int faults = random.Next(1, 9);
        for (int f = 0; f < faults; f++)
        {
            Step(sim, TimeSpan.FromMilliseconds(random.Next(0, 6000)), partitioned, ref twoMasters, ref longestTwoMasters);
            SimulatedNode node = sim.Nodes[random.Next(count)];
            switch (random.Next(6))
            {
                case 0 when node.IsRunning:
                    sim.Crash(node.Name);
                    break;
                case 1 when node.IsRunning:
                    sim.Stop(node.Name);
                    break;
                case 2 when !node.IsRunning:
                    sim.Restart(node.Name);
                    break;
                case 3:
                    sim.Partition(sim.Nodes.Where(_ => random.Next(2) == 0).Select(n => n.Name).ToArray());
                    partitioned = true;
                    twoMasters = TimeSpan.Zero;
                    break;
                case 4:
                    sim.Heal();
                    partitioned = false;
                    break;
                default:
                    node.Router.SetPriority(NewPriority(random, sim));
                    break;
            }
        }

        // The last fault heals the network, so that "exactly one master" has a meaning.
        sim.Heal();
        partitioned = false;
        TimeSpan bound = sim.Nodes.Where(n => n.IsRunning).Select(n => n.Router.MasterDownInterval).DefaultIfEmpty().Max() + s_interval;
        Step(sim, bound, partitioned, ref twoMasters, ref longestTwoMasters);

        string context = $"seed {seed}, priorities [{string.Join(", ", priorities)}]{Environment.NewLine}{sim.FormatTimeline()}";
        Assert.True(violations.Count == 0, $"addresses did not follow masters: {string.Join("; ", violations.Distinct())}{Environment.NewLine}{context}");
        Assert.True(longestTwoMasters <= s_interval, $"two masters for {longestTwoMasters} in a connected network{Environment.NewLine}{context}");
        Assert.Empty(sim.CheckAddressInvariant());

        List<SimulatedNode> running = sim.Nodes.Where(n => n.IsRunning).ToList();
        if (running.Count == 0)
        {
            return;
        }

        SimulatedNode master = sim.AssertExactlyOneMaster();
        SimulatedNode highest = running.OrderByDescending(n => n.Router.Priority).ThenByDescending(n => n.Host.IPv4Address).First();
        Assert.True(master == highest, $"master {master} ({master.Router.Priority}) is not the highest priority {highest} ({highest.Router.Priority}){Environment.NewLine}{context}");
    }

    private static void Step(VrrpSimulation sim, TimeSpan duration, bool partitioned, ref TimeSpan twoMasters, ref TimeSpan longest)
    {
        for (TimeSpan done = TimeSpan.Zero; done < duration; done += s_step)
        {
            sim.RunFor(s_step);
            if (!partitioned && sim.MastersOf().Count > 1)
            {
                twoMasters += s_step;
                longest = twoMasters > longest ? twoMasters : longest;
            }
            else
            {
                twoMasters = TimeSpan.Zero;
            }
        }
    }

    private static VrrpSimulation Build(int[] priorities, int seed)
    {
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder().WithSeed(seed).WithAdvertisementInterval(s_interval);
        for (int i = 0; i < priorities.Length; i++)
        {
            builder.AddNode($"r{i + 1}", priorities[i]);
        }

        return builder.Build();
    }

    private static int[] DistinctPriorities(Random random, int count) =>
        Enumerable.Range(1, 254).OrderBy(_ => random.Next()).Take(count).ToArray();

    // Distinct priorities keep "the highest" well defined: RFC 9568 breaks ties by address only between two masters.
    private static int NewPriority(Random random, VrrpSimulation sim)
    {
        var taken = sim.Nodes.Select(n => n.Router.BasePriority).ToHashSet();
        int priority;
        do
        {
            priority = random.Next(1, 255);
        }
        while (taken.Contains(priority));
        return priority;
    }
}
