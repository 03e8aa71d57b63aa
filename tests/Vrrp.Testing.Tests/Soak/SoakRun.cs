using System.Globalization;
using System.Text;
using Vrrp.Health;
using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>The settings of one soak run.</summary>
/// <param name="Seed">Seeds the fault schedule and the network: the same seed replays the same run.</param>
/// <param name="Duration">Simulated time.</param>
/// <param name="SampleEvery">How often the heap is sampled (and the simulation's records cleared).</param>
internal sealed record SoakOptions(int Seed, TimeSpan Duration, TimeSpan SampleEvery);

/// <summary>One heap sample: retained bytes after a full collection, and bytes allocated since the previous sample.</summary>
internal readonly record struct SoakMemorySample(TimeSpan At, long RetainedBytes, long AllocatedBytes, int Gen0, int Gen1, int Gen2);

/// <summary>What a soak run did and found.</summary>
internal sealed class SoakReport
{
    public const int MaxViolationsKept = 20;

    public required SoakOptions Options { get; init; }

    public SortedDictionary<string, int> Faults { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, long> Checks { get; } = new(StringComparer.Ordinal);

    public List<string> Violations { get; } = [];

    public long ViolationCount { get; set; }

    public List<SoakMemorySample> Memory { get; } = [];

    public TimeSpan LongestTwoMasters { get; set; }

    public TimeSpan SlowestConvergence { get; set; }

    public int Convergences { get; set; }

    public long StateChanges { get; set; }

    public long AdvertisementsSent { get; set; }

    public TimeSpan RealTime { get; set; }

    /// <summary>Gets the growth of the retained heap from the first sample to the last, or 0 with fewer than two samples.</summary>
    public long HeapGrowth => Memory.Count < 2 ? 0 : Memory[^1].RetainedBytes - Memory[0].RetainedBytes;

    /// <summary>
    /// Gets a value indicating whether the retained heap grew steadily: by more than <see cref="SoakRun.HeapGrowthLimit"/>
    /// from the first sample to the last, and in most intervals between.
    /// </summary>
    public bool HeapGrewSteadily
    {
        get
        {
            if (Memory.Count < 3 || HeapGrowth <= SoakRun.HeapGrowthLimit)
            {
                return false;
            }

            int rises = 0;
            for (int i = 1; i < Memory.Count; i++)
            {
                rises += Memory[i].RetainedBytes > Memory[i - 1].RetainedBytes ? 1 : 0;
            }

            return rises * 3 >= (Memory.Count - 1) * 2;
        }
    }

    public bool Passed => ViolationCount == 0 && !HeapGrewSteadily;

    public void Count(string check) => Checks[check] = Checks.GetValueOrDefault(check) + 1;

    public string Format()
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"soak: seed {Options.Seed}, {Options.Duration.TotalHours:0.##} simulated hours, 6 nodes (priorities 100..50) x VRIDs 51 and 52 in a sync group per node, in {RealTime.TotalSeconds:F1} s real time");
        text.AppendLine(c, $"  faults injected: {Faults.Values.Sum():N0} ({string.Join(", ", Faults.Select(f => $"{f.Key} {f.Value:N0}"))})");
        text.AppendLine(c, $"  invariant checks passed: {Checks.Values.Sum() - ViolationCount:N0} of {Checks.Values.Sum():N0} ({string.Join(", ", Checks.Select(k => $"{k.Key} {k.Value:N0}"))})");
        text.AppendLine(c, $"  state changes {StateChanges:N0}, advertisements sent {AdvertisementsSent:N0}, convergences after quiet {Convergences:N0}, slowest {SlowestConvergence.TotalMilliseconds:N0} ms (bound {SoakRun.ConvergenceBound.TotalMilliseconds:N0} ms), longest two masters while connected {LongestTwoMasters.TotalMilliseconds:N0} ms (bound {SoakRun.TwoMasterBound.TotalMilliseconds:N0} ms)");
        text.AppendLine("  memory per sample (retained after a full GC; allocated on the simulation thread since the previous sample; collections since the previous sample):");
        foreach (SoakMemorySample s in Memory)
        {
            text.AppendLine(c, $"    {s.At.TotalHours,6:0.##} h  retained {s.RetainedBytes,12:N0} B  allocated {s.AllocatedBytes,14:N0} B  gen0 {s.Gen0,4} gen1 {s.Gen1,3} gen2 {s.Gen2,3}");
        }

        text.AppendLine(c, $"  retained heap growth first to last sample: {HeapGrowth:N0} B (limit {SoakRun.HeapGrowthLimit:N0} B){(HeapGrewSteadily ? ": GREW STEADILY" : string.Empty)}");
        foreach (string violation in Violations)
        {
            text.AppendLine(c, $"  VIOLATION {violation}");
        }

        if (ViolationCount > Violations.Count)
        {
            text.AppendLine(c, $"  ... {ViolationCount - Violations.Count:N0} more violations");
        }

        text.AppendLine(Passed ? "  PASS" : $"  FAIL: replay with --soak --seed {Options.Seed} --hours {Options.Duration.TotalHours.ToString(c)}");
        return text.ToString();
    }
}

/// <summary>
/// Runs six nodes through simulated hours of seeded random faults (crash, restart, graceful stop, partition and heal,
/// loss bursts, priority changes, health flaps of a weighted check and of a fault check) and checks the protocol's
/// invariants as it goes: after every state change, every 10 ms step and every simulated second.
/// </summary>
internal static class SoakRun
{
    public const long HeapGrowthLimit = 256 * 1024;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    // RFC 9568 §6.1: Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time, at most 3 s + 255/256 s here; the
    // new master's first advert and the old master's step-down take up to one more interval.
    public static readonly TimeSpan ConvergenceBound = (3 * Interval) + TimeSpan.FromSeconds(255 / 256.0) + Interval;

    // After a partition heals, two masters hear each other within one Advertisement_Interval (RFC 9568 §6.4.3).
    public static readonly TimeSpan TwoMasterBound = Interval + Step;

    private static readonly int[] s_priorities = [100, 90, 80, 70, 60, 50];
    private static readonly byte[] s_vrids = [51, 52];
    private const int ServiceWeight = -30;

    public static SoakReport Run(SoakOptions options)
    {
        var report = new SoakReport { Options = options };
        long realStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var faultChecks = new Dictionary<string, TrackedCheck>();
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder()
            .WithSeed(options.Seed)
            .WithAdvertisementInterval(Interval)
            .WithVirtualRouterIds(s_vrids)
            .WithSyncGroupPerNode()
            .TrackService(ServiceWeight);
        for (int i = 0; i < s_priorities.Length; i++)
        {
            string name = $"r{i + 1}";
            var link = new TrackedCheck("link", 0);
            faultChecks[name] = link;
            builder.AddNode(name, s_priorities[i], o => o.TrackedChecks.Add(link));
        }

        using VrrpSimulation sim = builder.Build();
        var state = new SoakState(sim, report, faultChecks);
        foreach (SimulatedNode node in sim.Nodes)
        {
            foreach (VirtualRouter router in node.Routers)
            {
                router.StateChanged += (_, change) => state.OnStateChanged(router, change);
            }
        }

        var random = new Random(options.Seed);
        sim.Start();
        state.MarkEvent();
        TimeSpan nextSample = options.SampleEvery;
        long allocatedAt = GC.GetAllocatedBytesForCurrentThread();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        while (sim.Elapsed < options.Duration)
        {
            // Half the gaps are short, so faults overlap; half are long, so the cluster settles and is checked settled.
            TimeSpan gap = random.Next(2) == 0
                ? TimeSpan.FromMilliseconds(random.Next(200, 8_000))
                : TimeSpan.FromMilliseconds(random.Next(8_000, 120_000));
            TimeSpan until = TimeSpan.FromTicks(Math.Min((sim.Elapsed + gap).Ticks, options.Duration.Ticks));
            while (sim.Elapsed < until)
            {
                sim.RunFor(Step);
                state.AfterStep();
                if (sim.Elapsed >= nextSample)
                {
                    sim.ClearTimeline();
                    foreach (SimulatedNode node in sim.Nodes)
                    {
                        node.Addresses.ClearEvents();
                    }

                    long retained = GC.GetTotalMemory(forceFullCollection: true);
                    long allocated = GC.GetAllocatedBytesForCurrentThread();
                    int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
                    report.Memory.Add(new SoakMemorySample(sim.Elapsed, retained, allocated - allocatedAt, g0 - gen0, g1 - gen1, g2 - gen2));
                    allocatedAt = GC.GetAllocatedBytesForCurrentThread();
                    (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                    nextSample += options.SampleEvery;
                }
            }

            if (sim.Elapsed < options.Duration)
            {
                state.InjectFault(random);
            }
        }

        report.AdvertisementsSent = sim.Nodes.Sum(n => n.Routers.Sum(r => r.Statistics.AdvertisementsSent));
        report.RealTime = System.Diagnostics.Stopwatch.GetElapsedTime(realStart);
        return report;
    }

    /// <summary>The checker's state: what was injected when, and what was last seen.</summary>
    private sealed class SoakState(VrrpSimulation sim, SoakReport report, Dictionary<string, TrackedCheck> faultChecks)
    {
        private readonly Dictionary<VirtualRouter, long[]> _counters = [];

        // An array, not sim.Nodes: enumerating an IReadOnlyList boxes its enumerator, garbage on every 10 ms step.
        private readonly SimulatedNode[] _nodes = [.. sim.Nodes];
        private readonly TrackedCheck[] _faultChecks = [.. sim.Nodes.Select(n => faultChecks[n.Name])];
        private TimeSpan _lastEvent;
        private TimeSpan _lossEndsAt = TimeSpan.MaxValue;
        private TimeSpan _twoMasters;
        private TimeSpan _nextSecond = TimeSpan.FromSeconds(1);
        private bool _partitioned;
        private bool _converged;
        private bool _inFault;

        private bool Quiet => !_partitioned && _lossEndsAt == TimeSpan.MaxValue;

        public void MarkEvent()
        {
            _lastEvent = sim.Elapsed;
            _converged = false;
            _twoMasters = TimeSpan.Zero;
        }

        public void OnStateChanged(VirtualRouter router, StateChange change)
        {
            report.StateChanges++;
            report.Count("addresses follow masters (each state change)");
            foreach (string violation in sim.CheckAddressInvariant())
            {
                Violate($"after {router.Name} {change.From} -> {change.To}: {violation}");
            }
        }

        public void AfterStep()
        {
            TimeSpan now = sim.Elapsed;
            if (now >= _lossEndsAt)
            {
                sim.Network.DefaultConditions = LinkConditions.Perfect;
                _lossEndsAt = TimeSpan.MaxValue;
                MarkEvent();
            }

            CheckTwoMasters();
            if (Quiet && now - _lastEvent >= ConvergenceBound)
            {
                CheckConverged();
            }
            else if (Quiet && !_converged && IsConverged(out _))
            {
                _converged = true;
                report.Convergences++;
                report.SlowestConvergence = now - _lastEvent > report.SlowestConvergence ? now - _lastEvent : report.SlowestConvergence;
            }

            if (now >= _nextSecond)
            {
                _nextSecond += TimeSpan.FromSeconds(1);
                CheckEverySecond();
            }
        }

        public void InjectFault(Random random)
        {
            _inFault = true;
            List<SimulatedNode> running = sim.Nodes.Where(n => n.IsRunning).ToList();
            List<SimulatedNode> down = sim.Nodes.Where(n => !n.IsRunning).ToList();
            SimulatedNode any = sim.Nodes[random.Next(sim.Nodes.Count)];
            int kind = random.Next(10);

            // Keep at least two nodes running most of the time: bring one back when four are down.
            if (down.Count >= 4)
            {
                kind = 2;
            }

            switch (kind)
            {
                case 0 when running.Count > 0:
                    Fault("crash");
                    sim.Crash(running[random.Next(running.Count)].Name);
                    break;
                case 1 when running.Count > 0:
                    Fault("graceful stop");
                    sim.Stop(running[random.Next(running.Count)].Name);
                    break;
                case 2 when down.Count > 0:
                    Fault("restart");
                    sim.Restart(down[random.Next(down.Count)].Name);
                    break;
                case 3 when !_partitioned:
                    Fault("partition");
                    string[] side = sim.Nodes.Where(_ => random.Next(2) == 0).Select(n => n.Name).ToArray();
                    sim.Partition(side);
                    _partitioned = true;
                    break;
                case 3:
                case 4 when _partitioned:
                    Fault("heal");
                    sim.Heal();
                    _partitioned = false;
                    break;
                case 5 when _lossEndsAt == TimeSpan.MaxValue:
                    Fault("loss burst");
                    sim.Network.DefaultConditions = new LinkConditions { Loss = 0.2 + (random.NextDouble() * 0.7) };
                    _lossEndsAt = sim.Elapsed + TimeSpan.FromMilliseconds(random.Next(1_000, 20_000));
                    break;
                case 6:
                    Fault("priority change");
                    int priority = random.Next(1, 255);
                    foreach (VirtualRouter router in any.Routers)
                    {
                        router.SetPriority(priority);
                    }

                    break;
                case 7 or 8:
                    Fault(any.Service.IsHealthy ? "service check fails (weight -30)" : "service check recovers");
                    any.Service.SetHealthy(!any.Service.IsHealthy);
                    break;
                default:
                    TrackedCheck link = faultChecks[any.Name];
                    Fault(link.IsHealthy ? "fault check fails (weight 0)" : "fault check recovers");
                    link.SetHealthy(!link.IsHealthy);
                    break;
            }

            _inFault = false;
            MarkEvent();
        }

        private void Fault(string name) => report.Faults[name] = report.Faults.GetValueOrDefault(name) + 1;

        private void CheckTwoMasters()
        {
            report.Count("at most one master while connected, beyond one interval (each 10 ms)");
            bool two = false;
            foreach (byte vrid in s_vrids)
            {
                two |= CountMasters(vrid, out _) > 1;
            }

            if (!Quiet || !two)
            {
                _twoMasters = TimeSpan.Zero;
                return;
            }

            _twoMasters += Step;
            report.LongestTwoMasters = _twoMasters > report.LongestTwoMasters ? _twoMasters : report.LongestTwoMasters;
            if (_twoMasters == TwoMasterBound + Step)
            {
                Violate($"two masters for more than {TwoMasterBound.TotalMilliseconds} ms in a connected network");
            }
        }

        private void CheckConverged()
        {
            report.Count("one master, the highest priority, once settled (each 10 ms)");
            if (!IsConverged(out string why))
            {
                if (_converged || sim.Elapsed - _lastEvent < ConvergenceBound + Step)
                {
                    Violate($"{ConvergenceBound.TotalMilliseconds} ms after the last fault: {why}");
                }

                _converged = false;
                return;
            }

            if (!_converged)
            {
                _converged = true;
                report.Convergences++;
                report.SlowestConvergence = sim.Elapsed - _lastEvent > report.SlowestConvergence ? sim.Elapsed - _lastEvent : report.SlowestConvergence;
            }
        }

        // Exactly one master per VRID among running nodes, of the highest effective priority among running nodes not in
        // Fault (ties: any of the tied, since RFC 9568 breaks them by address only between two masters); none when no
        // router can be master; and each node's sync group in one state.
        private bool IsConverged(out string why)
        {
            foreach (byte vrid in s_vrids)
            {
                int masters = CountMasters(vrid, out SimulatedNode? master);
                int highest = -1;
                for (int i = 0; i < _nodes.Length; i++)
                {
                    if (_nodes[i].IsRunning && _faultChecks[i].IsHealthy)
                    {
                        highest = Math.Max(highest, Router(_nodes[i], vrid).Priority);
                    }
                }

                if (highest < 0 ? masters != 0 : masters != 1 || Router(master!, vrid).Priority != highest)
                {
                    why = $"VRID {vrid}: {masters} masters ({master?.Name} at priority {(master is null ? 0 : Router(master, vrid).Priority)}), highest eligible priority {highest}; {Describe()}";
                    return false;
                }
            }

            foreach (SimulatedNode node in _nodes)
            {
                if (node.IsRunning && node.Routers[0].State != node.Routers[1].State)
                {
                    why = $"sync group {node.Name} split: {node.Routers[0].State} and {node.Routers[1].State}; {Describe()}";
                    return false;
                }
            }

            why = string.Empty;
            return true;
        }

        private void CheckEverySecond()
        {
            report.Count("addresses follow masters (each second)");
            foreach (string violation in sim.CheckAddressInvariant())
            {
                Violate(violation);
            }

            report.Count("no running router in Initialize (each second)");
            report.Count("counters never decrease (each second)");
            foreach (SimulatedNode node in _nodes)
            {
                foreach (VirtualRouter router in node.Routers)
                {
                    if (node.IsRunning && router.State == VrrpState.Initialize)
                    {
                        Violate($"{router.Name} is running but in Initialize");
                    }

                    long[] now = Read(router);
                    if (_counters.TryGetValue(router, out long[]? before))
                    {
                        for (int i = 0; i < now.Length; i++)
                        {
                            if (now[i] < before[i])
                            {
                                Violate($"{router.Name} counter {i} fell from {before[i]} to {now[i]}");
                            }
                        }

                        now.CopyTo(before, 0);
                    }
                    else
                    {
                        _counters[router] = now;
                    }
                }
            }
        }

        private static long[] Read(VirtualRouter router)
        {
            Diagnostics.VirtualRouterStatistics s = router.Statistics;
            return [s.AdvertisementsReceived, s.AdvertisementsSent, s.SendFailures, s.MasterTransitions, s.ReleasedMaster, s.PriorityZeroReceived, s.PriorityZeroSent, s.TotalDiscarded, s.MessageOnlyChecksums, s.PseudoHeaderChecksums];
        }

        private int CountMasters(byte vrid, out SimulatedNode? master)
        {
            int count = 0;
            master = null;
            foreach (SimulatedNode node in _nodes)
            {
                if (node.IsRunning && Router(node, vrid).IsMaster)
                {
                    count++;
                    master = node;
                }
            }

            return count;
        }

        private static VirtualRouter Router(SimulatedNode node, byte vrid) => node.Routers[vrid == s_vrids[0] ? 0 : 1];

        private string Describe() => string.Join(", ", sim.Nodes.Select(n =>
            $"{n.Name}{(n.IsRunning ? string.Empty : " down")}{(faultChecks[n.Name].IsHealthy ? string.Empty : " faulted")} {n.Routers[0].State}/{n.Routers[1].State} p{n.Routers[0].Priority}"));

        private void Violate(string what)
        {
            report.ViolationCount++;
            if (report.Violations.Count < SoakReport.MaxViolationsKept)
            {
                report.Violations.Add(string.Create(CultureInfo.InvariantCulture, $"seed {report.Options.Seed} at {sim.Elapsed:c} ({sim.Elapsed.TotalSeconds:F2} s simulated){(_inFault ? " during a fault" : string.Empty)}: {what}"));
            }
        }
    }
}
