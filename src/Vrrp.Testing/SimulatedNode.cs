using Vrrp.Health;

namespace Vrrp.Testing;

/// <summary>One host of a <see cref="VrrpSimulation"/>: its link, its interface's addresses, and its virtual routers.</summary>
public sealed class SimulatedNode
{
    internal SimulatedNode(string name, InMemoryHost host, FakeAddressManager addresses, IReadOnlyList<VirtualRouter> routers, TrackedCheck service)
    {
        Name = name;
        Host = host;
        Addresses = addresses;
        Routers = routers;
        Service = service;
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the host on the in-memory network.</summary>
    public InMemoryHost Host { get; }

    /// <summary>Gets the fake address manager: which virtual addresses this node holds, and its announcements.</summary>
    public FakeAddressManager Addresses { get; }

    /// <summary>Gets the node's virtual routers, one per VRID of the simulation.</summary>
    public IReadOnlyList<VirtualRouter> Routers { get; }

    /// <summary>Gets the node's first (often only) virtual router.</summary>
    public VirtualRouter Router => Routers[0];

    /// <summary>Gets the node's tracked service check; its routers follow it when the builder called <see cref="VrrpSimulationBuilder.TrackService"/>.</summary>
    public TrackedCheck Service { get; }

    /// <summary>Gets the sync group of the node's routers, when the builder made one.</summary>
    public VrrpSyncGroup? SyncGroup { get; init; }

    /// <summary>Gets a value indicating whether the node is running (not crashed or stopped).</summary>
    public bool IsRunning { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
