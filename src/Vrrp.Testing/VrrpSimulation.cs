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

    internal VrrpSimulation(TimeProvider time, InMemoryNetwork network)
    {
        Time = time;
        Network = network;
        _startTimestamp = time.GetTimestamp();
    }

    /// <summary>Gets the clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the clock when it is a <see cref="VirtualClock"/>, or <see langword="null"/> in real time.</summary>
    public VirtualClock? Clock => Time as VirtualClock;

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

    /// <summary>Starts every node.</summary>
    public void Start()
    {
        foreach (SimulatedNode node in _nodes)
        {
            StartNode(node);
        }
    }

    /// <summary>Runs the virtual clock forward; with a real clock, blocks for the time given.</summary>
    /// <param name="duration">How long.</param>
    public void RunFor(TimeSpan duration)
    {
        if (Clock is { } clock)
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
        if (Clock is { } clock)
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
            };
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

    private void NoteAll(string what)
    {
        lock (_timeline)
        {
            _timeline.Add(new TimelineEntry(Elapsed, "*", 0, default(StateChange), what));
        }
    }
}
