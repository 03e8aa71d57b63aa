using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Testing;

/// <summary>Builds a <see cref="VrrpSimulation"/>: nodes with priorities, shared router settings, a clock and a network.</summary>
public sealed class VrrpSimulationBuilder
{
    private readonly List<(string Name, int Priority, Action<VirtualRouterOptions>? Configure)> _nodes = [];
    private readonly List<Action<VirtualRouterOptions>> _configureAll = [];
    private byte[] _virtualRouterIds = [51];
    private TimeProvider? _time;
    private int _seed = 1;
    private TimeSpan _interval = TimeSpan.FromSeconds(1);
    private AddressFamily _family = AddressFamily.InterNetwork;
    private int? _serviceWeight;
    private bool _syncGroups;
    private Notifications.IVrrpNotifier? _notifier;
    private VrrpActionRunner _actionRunner = InlineActionRunner.Instance;
    private int _frameLogCapacity = 4096;

    internal VrrpSimulationBuilder()
    {
    }

    /// <summary>Seeds every random choice of the network.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithSeed(int seed)
    {
        _seed = seed;
        return this;
    }

    /// <summary>Runs on this clock instead of a new <see cref="VirtualClock"/>; <see cref="TimeProvider.System"/> runs in real time.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithTimeProvider(TimeProvider timeProvider)
    {
        _time = timeProvider;
        return this;
    }

    /// <summary>
    /// Runs the routers' off-loop actions (address changes, announcements, notifications) on this runner instead of
    /// <see cref="InlineActionRunner"/>: <see cref="VrrpActionRunner.ThreadPool"/> shows that a stuck seam or handler
    /// delays no advertisement, as on a real host.
    /// </summary>
    /// <param name="runner">The runner.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithActionRunner(VrrpActionRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        _actionRunner = runner;
        return this;
    }

    /// <summary>
    /// Sets how many frames the network's log keeps, newest last (default 4,096: about 20 s of three nodes at 10 ms).
    /// Each frame costs about 64 bytes.
    /// </summary>
    /// <param name="capacity">At least 1.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithFrameLogCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _frameLogCapacity = capacity;
        return this;
    }

    /// <summary>Sets Advertisement_Interval of every router (default 1 s).</summary>
    /// <param name="interval">The interval.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithAdvertisementInterval(TimeSpan interval)
    {
        _interval = interval;
        return this;
    }

    /// <summary>Runs one virtual router per VRID on every node (default: VRID 51 alone).</summary>
    /// <param name="virtualRouterIds">The VRIDs.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithVirtualRouterIds(params byte[] virtualRouterIds)
    {
        ArgumentNullException.ThrowIfNull(virtualRouterIds);
        _virtualRouterIds = virtualRouterIds;
        return this;
    }

    /// <summary>Uses IPv6 virtual addresses (a link-local and a 2001:db8:51:: address per VRID) instead of IPv4.</summary>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder UseIPv6()
    {
        _family = AddressFamily.InterNetworkV6;
        return this;
    }

    /// <summary>Gives every router a tracked check, <see cref="SimulatedNode.Service"/>, with this weight (keepalived's <c>track_script</c> weight).</summary>
    /// <param name="weight">−253 to 253; 0 makes a failure a Fault.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder TrackService(int weight)
    {
        _serviceWeight = weight;
        return this;
    }

    /// <summary>Puts each node's routers in one sync group (keepalived's <c>vrrp_sync_group</c>): they change state together.</summary>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithSyncGroupPerNode()
    {
        _syncGroups = true;
        return this;
    }

    /// <summary>Gives every router of every node this notifier (one for all, as a host would: see <see cref="Notifications.VrrpNotifiers.Combine"/>).</summary>
    /// <param name="notifier">The notifier.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder WithNotifier(Notifications.IVrrpNotifier notifier)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        _notifier = notifier;
        return this;
    }

    /// <summary>Adds a node.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="priority">The base priority of its routers.</param>
    /// <param name="configure">Changes to this node's router options.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder AddNode(string name, int priority, Action<VirtualRouterOptions>? configure = null)
    {
        _nodes.Add((name, priority, configure));
        return this;
    }

    /// <summary>Adds nodes named r1, r2, … with these priorities.</summary>
    /// <param name="priorities">One priority per node.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder AddNodes(params int[] priorities)
    {
        ArgumentNullException.ThrowIfNull(priorities);
        foreach (int priority in priorities)
        {
            AddNode($"r{_nodes.Count + 1}", priority);
        }

        return this;
    }

    /// <summary>Changes the options of every router of every node.</summary>
    /// <param name="configure">The change.</param>
    /// <returns>The builder.</returns>
    public VrrpSimulationBuilder ConfigureRouters(Action<VirtualRouterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configureAll.Add(configure);
        return this;
    }

    /// <summary>Builds the simulation; nothing runs until <see cref="VrrpSimulation.Start"/>.</summary>
    /// <returns>The simulation.</returns>
    /// <exception cref="VrrpConfigurationException">A router's options are invalid.</exception>
    public VrrpSimulation Build()
    {
        TimeProvider time = _time ?? new VirtualClock();
        var network = new InMemoryNetwork(time, _seed, _frameLogCapacity);
        var simulation = new VrrpSimulation(time, network);
        foreach ((string name, int priority, Action<VirtualRouterOptions>? configure) in _nodes)
        {
            InMemoryHost host = network.AddHost(name);
            var addresses = new FakeAddressManager(time) { Host = host };
            var service = new Health.TrackedCheck("service", _serviceWeight ?? 0);
            var routers = new List<VirtualRouter>();
            for (int i = 0; i < _virtualRouterIds.Length; i++)
            {
                byte vrid = _virtualRouterIds[i];
                var options = new VirtualRouterOptions
                {
                    Name = _virtualRouterIds.Length == 1 ? name : $"{name}/{vrid}",
                    Interface = "sim0",
                    VirtualRouterId = vrid,
                    Priority = priority,
                    Owner = priority == 255,
                    AdvertisementInterval = _interval,
                    Version = VrrpVersion.V3,
                };
                if (_family == AddressFamily.InterNetworkV6)
                {
                    options.VirtualAddresses.Add($"fe80::1:{vrid:x}/64");
                    options.VirtualAddresses.Add($"2001:db8:51::1:{vrid:x}/64");
                }
                else
                {
                    options.VirtualAddresses.Add($"198.51.100.{100 + (i % 150)}/24");
                }

                if (_serviceWeight.HasValue)
                {
                    options.TrackedChecks.Add(service);
                }

                foreach (Action<VirtualRouterOptions> all in _configureAll)
                {
                    all(options);
                }

                configure?.Invoke(options);
                routers.Add(new VirtualRouter(options, host.GetTransport(_family), addresses, addresses, time, _notifier, _actionRunner));
            }

            foreach (VirtualRouter router in routers)
            {
                host.Watch(router);
            }

            VrrpSyncGroup? group = _syncGroups && routers.Count > 1 ? new VrrpSyncGroup(name, routers, time) : null;
            simulation.AddNode(new SimulatedNode(name, host, addresses, routers, service) { SyncGroup = group });
        }

        return simulation;
    }
}
