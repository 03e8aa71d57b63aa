using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vrrp.Protocol;
using Vrrp.Transport;

namespace Vrrp.Testing.Tests;

/// <summary>
/// VrrpService.ApplyAsync, a daemon's reload in the library: only the routers whose options changed restart; an
/// invalid set changes nothing.
/// </summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task A_reload_restarts_only_the_changed_router_stops_the_removed_one_and_starts_the_new_one()
    {
        // Input: a running host with routers a (VRID 1), b (2) and c (3), all master; a new set: a unchanged, b with
        // priority 110, c gone, d (4) new.
        // Expected: a is the same object and was never stopped (its history has one term); b is a new object, master
        // again; c is stopped; d runs and becomes master. The result names each.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        using IHost host = Host(network, Options("a", 1), Options("b", 2), Options("c", 3));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        VirtualRouter a = service.GetRouter("a"), b = service.GetRouter("b"), c = service.GetRouter("c");
        Assert.All([a, b, c], r => Assert.Equal(VrrpState.Master, r.State));

        VrrpReloadResult result = await service.ApplyAsync([Options("a", 1), Options("b", 2, intervalMs: 200), Options("d", 4)], TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["a"], result.Kept);
        Assert.Equal(["b"], result.Restarted);
        Assert.Equal(["d"], result.Added);
        Assert.Equal(["c"], result.Removed);
        Assert.Same(a, service.GetRouter("a"));
        Assert.Single(a.GetHistory(), change => change.To == VrrpState.Master);
        VirtualRouter b2 = service.GetRouter("b");
        Assert.NotSame(b, b2);
        Assert.Equal(VrrpState.Master, b2.State);
        Assert.Equal(VrrpState.Stopped, c.State);
        Assert.Throws<KeyNotFoundException>(() => service.GetRouter("c"));
        Assert.Equal(VrrpState.Master, service.GetRouter("d").State);
        Assert.Equal(["a", "b", "d"], service.Routers.Select(r => r.Name));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Priority_addresses_and_peers_change_in_place_without_a_restart()
    {
        // Input: a running master a; a reload that gives it priority 150 and another address; then one that lowers it
        // below a backup b on another node.
        // Expected: a is the same object throughout, never left Master on the first reload (no restart, no gap in
        // its adverts), holds the new address, and is reported Updated; on the second, b preempts it.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        VirtualRouterOptions b = Options("b", 1, priority: 90);
        b.Interface = "node2";
        using IHost host = Host(network, Options("a", 1), b);
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        VirtualRouter a = service.GetRouter("a");
        Assert.Equal(VrrpState.Master, a.State);

        VirtualRouterOptions higher = Options("a", 1, priority: 150);
        higher.VirtualAddresses[0] = "198.51.100.200/24";
        VirtualRouterOptions b2 = Options("b", 1, priority: 90);
        b2.Interface = "node2";
        VrrpReloadResult result = await service.ApplyAsync([higher, b2], TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["a"], result.Updated);
        Assert.Empty(result.Restarted);
        Assert.Same(a, service.GetRouter("a"));
        Assert.Equal(150, a.Priority);
        Assert.Equal("198.51.100.200/24", Assert.Single(a.VirtualAddresses).ToString());
        Assert.Single(a.GetHistory(), change => change.To == VrrpState.Master);

        VirtualRouterOptions lower = Options("a", 1, priority: 50);
        lower.VirtualAddresses[0] = "198.51.100.200/24";
        await service.ApplyAsync([lower, b2], TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(VrrpState.Master, service.GetRouter("b").State);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task An_invalid_set_is_refused_whole_and_changes_nothing()
    {
        // Input: a running host with a and b; a new set that changes a and gives b a VRID out of range.
        // Expected: VrrpConfigurationException naming b's field and range; a and b run on as they were.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        using IHost host = Host(network, Options("a", 1), Options("b", 2));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        VirtualRouter a = service.GetRouter("a"), b = service.GetRouter("b");

        VrrpConfigurationException error = await Assert.ThrowsAsync<VrrpConfigurationException>(() =>
            service.ApplyAsync([Options("a", 1, priority: 120), Options("b", 300)], TestContext.Current.CancellationToken));

        Assert.Contains("b: VirtualRouterId must be 1 to 255; got 300.", error.Message, StringComparison.Ordinal);
        Assert.Same(a, service.GetRouter("a"));
        Assert.Same(b, service.GetRouter("b"));
        Assert.Equal(100, a.Priority);
        Assert.All([a, b], r => Assert.Equal(VrrpState.Master, r.State));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Two_routers_with_one_VRID_on_one_interface_are_refused()
    {
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        using IHost host = Host(network, Options("a", 1));
        var service = host.Services.GetRequiredService<VrrpService>();

        VrrpConfigurationException error = await Assert.ThrowsAsync<VrrpConfigurationException>(() =>
            service.ApplyAsync([Options("a", 1), Options("b", 1)], TestContext.Current.CancellationToken));

        Assert.Contains("a, b: VRID 1 is used more than once on node1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transport_that_refuses_a_new_router_leaves_the_running_routers_untouched()
    {
        // Input: a running host with a and b, master; a new set that changes a's priority and adds c on an interface
        // the transport factory refuses.
        // Expected: the factory's error; a and b are the same objects, never stopped, a still at priority 100.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVrrp().AddRouter(o => Copy(Options("a", 1), o)).AddRouter(o => Copy(Options("b", 2), o)).UseInMemoryNetwork(network);
        builder.Services.AddSingleton<IVrrpTransportFactory>(new RefusingFactory(network, refuse: "bogus0"));
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        VirtualRouter a = service.GetRouter("a"), b = service.GetRouter("b");
        VirtualRouterOptions bogus = Options("c", 3);
        bogus.Interface = "bogus0";

        await Assert.ThrowsAsync<VrrpConfigurationException>(() => service.ApplyAsync([Options("a", 1, priority: 120), Options("b", 2), bogus], TestContext.Current.CancellationToken));
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Same(a, service.GetRouter("a"));
        Assert.Same(b, service.GetRouter("b"));
        Assert.Equal(100, a.Priority);
        Assert.All([a, b], r => Assert.Single(r.GetHistory(), change => change.To == VrrpState.Master));
        Assert.All([a, b], r => Assert.Equal(VrrpState.Master, r.State));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Every_router_a_reload_adds_restarts_or_removes_is_told_to_the_platform_as_at_host_start()
    {
        // Input: a host with a and b and a recording IVirtualRouterLifecycle (as UseLinux() registers to track links and
        // clean leftovers); a reload that keeps a, restarts b and adds c; then the host stops.
        // Expected: starting and started for each router at start, and for b's replacement and c at the reload;
        // stopping for the old b at the reload, and for every router at stop. Before, the platform heard only of the
        // routers the host started with: a reloaded router ran with no link tracking.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        var lifecycle = new RecordingLifecycle();
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVrrp().AddRouter(o => Copy(Options("a", 1), o)).AddRouter(o => Copy(Options("b", 2), o)).UseInMemoryNetwork(network);
        builder.Services.AddSingleton<IVirtualRouterLifecycle>(lifecycle);
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["starting a", "started a", "starting b", "started b"], lifecycle.Calls);
        VirtualRouter oldB = service.GetRouter("b");
        lifecycle.Calls.Clear();

        await service.ApplyAsync([Options("a", 1), Options("b", 2, intervalMs: 200), Options("c", 3)], TestContext.Current.CancellationToken);

        Assert.Equal(["stopping b", "starting b", "started b", "starting c", "started c"], lifecycle.Calls);
        Assert.Equal(VrrpState.Stopped, oldB.State);
        Assert.Equal(VrrpState.Master, lifecycle.StateAtStopping[0]); // told before it stops
        lifecycle.Calls.Clear();
        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["stopping a", "stopping b", "stopping c"], lifecycle.Calls);
    }

    [Fact]
    public async Task A_router_with_a_transport_of_its_own_gets_it_after_the_router_it_replaces_let_go_of_its_own()
    {
        // Input: a factory that gives virtual MAC routers a transport of their own named like a macvlan, and refuses to
        // make one whose name is still held (as a kernel refuses a second link of one name); a reload that changes
        // the router's priority.
        // Expected: the old router's transport is released before the new one is made; the router keeps its
        // addresses on the dedicated interface's name; after disposal nothing is held.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        var factory = new DedicatingFactory(network);
        VirtualRouterOptions first = Options("a", 1);
        first.UseVirtualMac = true;
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVrrp().AddRouter(o => { Copy(first, o); o.UseVirtualMac = true; }).UseInMemoryNetwork(network);
        builder.Services.AddSingleton<IVrrpTransportFactory>(factory);
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        Assert.Equal("vrrp.1", service.GetRouter("a").Interface);

        VirtualRouterOptions changed = Options("a", 1, intervalMs: 200);
        changed.UseVirtualMac = true;
        VrrpReloadResult result = await service.ApplyAsync([changed], TestContext.Current.CancellationToken);

        Assert.Equal(["a"], result.Restarted);
        Assert.Equal(["make vrrp.1", "release vrrp.1", "make vrrp.1"], factory.Calls);
        Assert.Equal("vrrp.1", service.GetRouter("a").Interface);
        await host.StopAsync(TestContext.Current.CancellationToken);
        await service.DisposeAsync();
        Assert.Equal("release vrrp.1", factory.Calls[^1]);
        Assert.Empty(factory.Held);
    }

    [Fact]
    public async Task A_router_whose_start_fails_refuses_the_reload_and_leaves_nothing_running_that_was_not()
    {
        // Input: a running host with a; a reload that changes a and adds b, where the platform's OnStarted throws for b.
        // Expected: the reload throws that exception; a runs again as it was (restored, master), b is stopped and was
        // told stopping; no router runs beyond those the service lists. Before: the set was committed before the new
        // routers started, so a failed start left a half-applied set, and a router whose OnStarted threw kept running.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        var lifecycle = new RecordingLifecycle { FailStartedOf = "b" };
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVrrp().AddRouter(o => Copy(Options("a", 1), o)).UseInMemoryNetwork(network);
        builder.Services.AddSingleton<IVirtualRouterLifecycle>(lifecycle);
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        lifecycle.Calls.Clear();

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            service.ApplyAsync([Options("a", 1, priority: 120), Options("b", 2)], TestContext.Current.CancellationToken));
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("b failed to start", error.Message);
        Assert.Contains("stopping b", lifecycle.Calls);
        VirtualRouter a = Assert.Single(service.Routers);
        Assert.Equal(("a", 100, VrrpState.Master), (a.Name, (int)a.Priority, a.State));
        // One router ran before and one after: every start in between was matched by a stop.
        Assert.Equal(lifecycle.Calls.Count(c => c.StartsWith("started ", StringComparison.Ordinal)), lifecycle.Calls.Count(c => c.StartsWith("stopping ", StringComparison.Ordinal)));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private sealed class RecordingLifecycle : IVirtualRouterLifecycle
    {
        public List<string> Calls { get; } = [];

        public List<VrrpState> StateAtStopping { get; } = [];

        public string? FailStartedOf { get; init; }

        public void OnStarting(VirtualRouter router) => Calls.Add($"starting {router.Name}");

        public void OnStarted(VirtualRouter router)
        {
            Calls.Add($"started {router.Name}");
            if (router.Name == FailStartedOf)
            {
                throw new InvalidOperationException($"{router.Name} failed to start");
            }
        }

        public void OnStopping(VirtualRouter router)
        {
            Calls.Add($"stopping {router.Name}");
            StateAtStopping.Add(router.State);
        }
    }

    private sealed class DedicatingFactory(InMemoryNetwork network) : IVrrpTransportFactory
    {
        public List<string> Calls { get; } = [];

        public HashSet<string> Held { get; } = [];

        public IVrrpTransport GetTransport(string interfaceName, System.Net.Sockets.AddressFamily family)
        {
            InMemoryHost host = network.Hosts.FirstOrDefault(h => h.Name == interfaceName) ?? network.AddHost(interfaceName);
            return host.GetTransport(family);
        }

        public IVrrpTransport GetTransport(VirtualRouterOptions router)
        {
            string link = $"vrrp.{router.VirtualRouterId}";
            Calls.Add($"make {link}");
            if (!Held.Add(link))
            {
                throw new VrrpConfigurationException([$"{link} exists"]);
            }

            return new Dedicated(GetTransport(link, router.GetAddressFamily()), link);
        }

        public void ReleaseTransport(VirtualRouterOptions router)
        {
            string link = $"vrrp.{router.VirtualRouterId}";
            Calls.Add($"release {link}");
            Held.Remove(link);
        }

        private sealed class Dedicated(IVrrpTransport inner, string link) : IVrrpTransport
        {
            public System.Net.Sockets.AddressFamily Family => inner.Family;

            public Vrrp.Packets.PackedIPAddress PrimaryAddress => inner.PrimaryAddress;

            public Vrrp.Packets.MacAddress InterfaceMac => inner.InterfaceMac;

            public string? DedicatedInterface => link;

            public bool Send(ReadOnlySpan<byte> packet, Vrrp.Packets.PackedIPAddress destination) => inner.Send(packet, destination);

            public void Register(byte virtualRouterId, IAdvertisementReceiver receiver) => inner.Register(virtualRouterId, receiver);

            public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => inner.Unregister(virtualRouterId, receiver);
        }
    }

    private sealed class RefusingFactory(InMemoryNetwork network, string refuse) : IVrrpTransportFactory
    {
        public IVrrpTransport GetTransport(string interfaceName, System.Net.Sockets.AddressFamily family)
        {
            if (interfaceName == refuse)
            {
                throw new VrrpConfigurationException([$"{interfaceName}: no such interface"]);
            }

            InMemoryHost host = network.Hosts.FirstOrDefault(h => h.Name == interfaceName) ?? network.AddHost(interfaceName);
            return host.GetTransport(family);
        }
    }

    [Fact]
    public async Task A_reload_that_moves_an_address_to_another_interface_restarts_its_router()
    {
        // Input: a running master a holding .101 alone; a reload with .101 dev side0, then one that also adds .150
        // with a label.
        // Expected: the first restarts a (an address keeps its placement for a router's life, so that a queued removal
        // finds it where it was added): a new router holding .101 on side0. The second is taken in place.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        using IHost host = Host(network, Options("a", 1));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        VirtualRouter a = service.GetRouter("a");

        VirtualRouterOptions moved = Options("a", 1);
        moved.VirtualAddresses[0] = "198.51.100.101/24 dev side0";
        VrrpReloadResult first = await service.ApplyAsync([moved], TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["a"], first.Restarted);
        VirtualRouter a2 = service.GetRouter("a");
        Assert.NotSame(a, a2);
        Assert.Equal("side0", a2.PlacementOf(a2.VirtualAddresses[0]).Device);
        Assert.Equal(VrrpState.Master, a2.State);

        VirtualRouterOptions more = Options("a", 1);
        more.VirtualAddresses[0] = "198.51.100.101/24 dev side0";
        more.VirtualAddresses.Add("198.51.100.150/24 label node1:x");
        VrrpReloadResult second = await service.ApplyAsync([more], TestContext.Current.CancellationToken);

        Assert.Equal(["a"], second.Updated);
        Assert.Same(a2, service.GetRouter("a"));
        Assert.Equal("node1:x", a2.PlacementOf(Vrrp.Addressing.VirtualAddress.Parse("198.51.100.150/24")).Label);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static VirtualRouterOptions Options(string name, int vrid, int priority = 100, int intervalMs = 100)
    {
        var options = new VirtualRouterOptions { Name = name, Interface = "node1", VirtualRouterId = vrid, Priority = priority, AdvertisementInterval = TimeSpan.FromMilliseconds(intervalMs) };
        options.VirtualAddresses.Add($"198.51.100.{100 + vrid}/24");
        return options;
    }

    private static IHost Host(InMemoryNetwork network, params VirtualRouterOptions[] routers)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        IVrrpBuilder vrrp = builder.Services.AddVrrp();
        foreach (VirtualRouterOptions router in routers)
        {
            vrrp.AddRouter(o => Copy(router, o));
        }

        vrrp.UseInMemoryNetwork(network);
        return builder.Build();
    }

    private static void Copy(VirtualRouterOptions from, VirtualRouterOptions to)
    {
        to.Name = from.Name;
        to.Interface = from.Interface;
        to.VirtualRouterId = from.VirtualRouterId;
        to.Priority = from.Priority;
        to.AdvertisementInterval = from.AdvertisementInterval;
        foreach (string address in from.VirtualAddresses)
        {
            to.VirtualAddresses.Add(address);
        }
    }
}
