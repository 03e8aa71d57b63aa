using System.Text;
using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Testing;

/// <summary>
/// A cluster of virtual routers on an <see cref="InMemoryNetwork"/>, for tests of failover that run without root,
/// sockets or sleeps: crash, stop, restart and partition nodes, run for a while, then ask who is master and read
/// the timeline.
/// </summary>
/// <example>
/// <code>
/// using var sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90, 80).Build();
/// sim.Start();
/// sim.RunFor(TimeSpan.FromSeconds(5));
/// sim.Crash("r1");
/// sim.RunFor(TimeSpan.FromSeconds(5));
/// Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);
/// </code>
/// </example>
public sealed class VrrpSimulation : IDisposable
{
    private readonly List<SimulatedNode> _nodes = [];
    private readonly List<TimelineEntry> _timeline = [];
    private readonly long _startTimestamp;
    private readonly Dictionary<byte, MastershipMeter> _mastership = [];

    internal VrrpSimulation(TimeProvider time, InMemoryNetwork network)
    {
        Time = time;
        Network = network;
        _startTimestamp = time.GetTimestamp();
    }

    /// <summary>Gets the clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the virtual clock the simulation runs on by default.</summary>
    /// <exception cref="InvalidOperationException">The simulation runs on a clock of your own (<see cref="VrrpSimulationBuilder.WithTimeProvider"/>): use <see cref="Time"/>.</exception>
    public VirtualClock Clock => Time as VirtualClock
        ?? throw new InvalidOperationException($"This simulation runs on {Time.GetType().Name}, not a VirtualClock (WithTimeProvider): use Time.");

    /// <summary>Gets the network.</summary>
    public InMemoryNetwork Network { get; }

    /// <summary>Gets the nodes.</summary>
    public IReadOnlyList<SimulatedNode> Nodes => _nodes;

    /// <summary>Gets the time since the simulation was built.</summary>
    public TimeSpan Elapsed => Time.GetElapsedTime(_startTimestamp);

    /// <summary>Gets a node by name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The node.</returns>
    public SimulatedNode this[string name] => _nodes.Find(n => n.Name == name) ?? throw new KeyNotFoundException($"No node named '{name}'.");

    /// <summary>Starts a builder.</summary>
    /// <returns>The builder.</returns>
    public static VrrpSimulationBuilder CreateBuilder() => new();

    /// <summary>Returns the timeline: every state change and injected fault, in order.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<TimelineEntry> GetTimeline()
    {
        lock (_timeline)
        {
            return [.. _timeline];
        }
    }

    /// <summary>
    /// Forgets the timeline recorded so far. The timeline grows with every state change and fault; a run of
    /// simulated days that checks as it goes can clear it between checks to keep its memory flat.
    /// </summary>
    public void ClearTimeline()
    {
        lock (_timeline)
        {
            _timeline.Clear();
        }
    }

    /// <summary>Starts every node; the mastership measured by <see cref="GetMastership"/> counts from here.</summary>
    public void Start()
    {
        foreach (SimulatedNode node in _nodes)
        {
            StartNode(node);
        }

        ResetMastership();
    }

    /// <summary>
    /// Returns how long a VRID had no master and how long it had more than one (split brain), from
    /// <see cref="Start"/> or the last <see cref="ResetMastership"/> until now: the questions a failover test asks,
    /// without integrating the timeline by hand. A master on a crashed or stopped node does not count.
    /// </summary>
    /// <example>
    /// <code>
    /// sim.ResetMastership();
    /// sim.Crash("r1");
    /// sim.RunFor(TimeSpan.FromSeconds(10));
    /// MastershipSummary m = sim.GetMastership();
    /// Assert.InRange(m.NoMaster, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)); // Master_Down_Interval
    /// Assert.Equal(TimeSpan.Zero, m.SeveralMasters);
    /// </code>
    /// </example>
    /// <param name="virtualRouterId">The VRID; 0 for the first one of the nodes.</param>
    /// <returns>The window, and the time in it with no master and with several.</returns>
    public MastershipSummary GetMastership(byte virtualRouterId = 0)
    {
        lock (_mastership)
        {
            UpdateMastership();
            byte vrid = virtualRouterId == 0 && _nodes.Count > 0 ? _nodes[0].Router.VirtualRouterId : virtualRouterId;
            return _mastership.TryGetValue(vrid, out MastershipMeter? meter)
                ? new MastershipSummary(Elapsed - meter.WindowStart, meter.NoMaster, meter.SeveralMasters, meter.MostMasters)
                : throw new KeyNotFoundException($"No router has VRID {virtualRouterId}.");
        }
    }

    /// <summary>Starts a new window for <see cref="GetMastership"/> now.</summary>
    public void ResetMastership()
    {
        lock (_mastership)
        {
            TimeSpan now = Elapsed;
            foreach (byte vrid in _nodes.SelectMany(n => n.Routers).Select(r => r.VirtualRouterId).Distinct())
            {
                int count = MastersOf(vrid).Count;
                _mastership[vrid] = new MastershipMeter { WindowStart = now, Since = now, Count = count, MostMasters = count };
            }
        }
    }

    /// <summary>Runs the virtual clock forward; with a real clock, blocks for the time given.</summary>
    /// <param name="duration">How long.</param>
    public void RunFor(TimeSpan duration)
    {
        if (Time is VirtualClock clock)
        {
            clock.Advance(duration);
        }
        else
        {
            Task.Delay(duration, Time).GetAwaiter().GetResult();
        }
    }

    /// <summary>Runs for a while: at once on the virtual clock, or by waiting in real time.</summary>
    /// <param name="duration">How long.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes when the time has passed.</returns>
    public Task RunForAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (Time is VirtualClock clock)
        {
            clock.Advance(duration);
            return Task.CompletedTask;
        }

        return Task.Delay(duration, Time, cancellationToken);
    }

    /// <summary>Crashes a node: its routers stop without a word and its link goes dark, addresses left as they were.</summary>
    /// <param name="name">The node.</param>
    public void Crash(string name)
    {
        SimulatedNode node = this[name];
        Note(node, "crashes");
        foreach (VirtualRouter router in node.Routers)
        {
            router.Halt();
        }

        Network.SetConnected(node.Host, false);
        node.IsRunning = false;
        MastershipChanged();
    }

    /// <summary>Stops a node gracefully: a master sends priority 0 and removes its addresses.</summary>
    /// <param name="name">The node.</param>
    public void Stop(string name)
    {
        SimulatedNode node = this[name];
        Note(node, "stops gracefully");
        foreach (VirtualRouter router in node.Routers)
        {
            router.Stop();
        }

        node.IsRunning = false;
        MastershipChanged();
    }

    /// <summary>Brings a crashed or stopped node back: link up, leftover addresses cleaned, routers started.</summary>
    /// <param name="name">The node.</param>
    public void Restart(string name)
    {
        SimulatedNode node = this[name];
        Note(node, "restarts");
        node.Addresses.Clear();
        Network.SetConnected(node.Host, true);
        StartNode(node);
        MastershipChanged();
    }

    /// <summary>Splits the network into groups of nodes that hear only each other.</summary>
    /// <param name="groups">Node names per group; nodes in no group form one more group.</param>
    public void Partition(params string[][] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        NoteAll($"partition: {string.Join(" | ", groups.Select(g => string.Join(",", g)))}");
        Network.Partition(groups.Select(g => g.Select(n => this[n].Host)).ToArray());
    }

    /// <summary>Heals every partition.</summary>
    public void Heal()
    {
        NoteAll("partition healed");
        Network.Heal();
    }

    /// <summary>Returns the running nodes whose router for <paramref name="virtualRouterId"/> is master.</summary>
    /// <param name="virtualRouterId">The VRID; 0 for each node's first router.</param>
    /// <returns>The masters.</returns>
    public IReadOnlyList<SimulatedNode> MastersOf(byte virtualRouterId = 0) =>
        _nodes.Where(n => n.IsRunning && RouterOf(n, virtualRouterId).IsMaster).ToList();

    /// <summary>Checks there is exactly one master for a VRID and returns it.</summary>
    /// <param name="virtualRouterId">The VRID; 0 for each node's first router.</param>
    /// <returns>The master.</returns>
    /// <exception cref="InvalidOperationException">No master, or several; the message carries the timeline.</exception>
    public SimulatedNode AssertExactlyOneMaster(byte virtualRouterId = 0)
    {
        IReadOnlyList<SimulatedNode> masters = MastersOf(virtualRouterId);
        if (masters.Count != 1)
        {
            throw new InvalidOperationException($"Expected exactly one master at {Elapsed.TotalSeconds:F3}s, found {masters.Count} ({string.Join(", ", masters)}).{Environment.NewLine}{FormatTimeline()}");
        }

        return masters[0];
    }

    /// <summary>
    /// Lists violations of the invariant that every running router holds its virtual addresses exactly while it is
    /// master. Empty when it holds.
    /// </summary>
    /// <returns>One line per violation.</returns>
    public IReadOnlyList<string> CheckAddressInvariant()
    {
        var violations = new List<string>();
        foreach (SimulatedNode node in _nodes.Where(n => n.IsRunning))
        {
            foreach (VirtualRouter router in node.Routers)
            {
                bool holds = router.VirtualAddresses.All(a => node.Addresses.Holds(a.Address));
                bool holdsAny = router.VirtualAddresses.Any(a => node.Addresses.Holds(a.Address));
                if (router.IsMaster != holds || (!router.IsMaster && holdsAny))
                {
                    violations.Add($"{router.Name} is {router.State} but {(holdsAny ? "holds" : "does not hold")} its addresses");
                }
            }
        }

        return violations;
    }

    /// <summary>Formats the timeline, one line per entry.</summary>
    /// <returns>The text.</returns>
    public string FormatTimeline()
    {
        var text = new StringBuilder();
        foreach (TimelineEntry entry in GetTimeline())
        {
            text.AppendLine(entry.ToString());
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (SimulatedNode node in _nodes)
        {
            node.SyncGroup?.Dispose();
            foreach (VirtualRouter router in node.Routers)
            {
                router.Dispose();
            }
        }

        Network.Dispose();
    }

    internal void AddNode(SimulatedNode node)
    {
        _nodes.Add(node);
        foreach (VirtualRouter router in node.Routers)
        {
            router.StateChanged += (_, change) =>
            {
                lock (_timeline)
                {
                    _timeline.Add(new TimelineEntry(Elapsed, node.Name, router.VirtualRouterId, change));
                }

                lock (_mastership)
                {
                    UpdateMastership();
                }
            };
        }
    }

    // Adds the time since the last change to the bucket of the master count it had, then takes the count now. Called
    // on every state change and every crash, stop and restart, under the lock of _mastership.
    private void UpdateMastership()
    {
        TimeSpan now = Elapsed;
        foreach ((byte vrid, MastershipMeter meter) in _mastership)
        {
            TimeSpan span = now - meter.Since;
            if (meter.Count == 0)
            {
                meter.NoMaster += span;
            }
            else if (meter.Count > 1)
            {
                meter.SeveralMasters += span;
            }

            meter.Count = _nodes.Count(n => n.IsRunning && n.Routers.Any(r => r.VirtualRouterId == vrid && r.IsMaster));
            meter.MostMasters = Math.Max(meter.MostMasters, meter.Count);
            meter.Since = now;
        }
    }

    private static VirtualRouter RouterOf(SimulatedNode node, byte virtualRouterId) =>
        virtualRouterId == 0 ? node.Router : node.Routers.First(r => r.VirtualRouterId == virtualRouterId);

    private static void StartNode(SimulatedNode node)
    {
        node.IsRunning = true;
        foreach (VirtualRouter router in node.Routers)
        {
            router.Start();
        }
    }

    private void Note(SimulatedNode node, string what)
    {
        lock (_timeline)
        {
            _timeline.Add(new TimelineEntry(Elapsed, node.Name, 0, default(StateChange), what));
        }
    }

    // Crash, stop and restart change who counts as master without a state change: measure before and after them.
    private void MastershipChanged()
    {
        lock (_mastership)
        {
            UpdateMastership();
        }
    }

    private sealed class MastershipMeter
    {
        public TimeSpan WindowStart { get; init; }

        public TimeSpan Since { get; set; }

        public int Count { get; set; }

        public int MostMasters { get; set; }

        public TimeSpan NoMaster { get; set; }

        public TimeSpan SeveralMasters { get; set; }
    }

    private void NoteAll(string what)
    {
        lock (_timeline)
        {
            _timeline.Add(new TimelineEntry(Elapsed, "*", 0, default(StateChange), what));
        }
    }
}
