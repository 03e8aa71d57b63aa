using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Vrrp.Election;
using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>AddVrrp in a generic host: registration, configuration, validation at start, start and graceful stop.</summary>
public sealed class HostingTests
{
    [Fact]
    public void AddVrrp_twice_registers_everything_once()
    {
        var services = new ServiceCollection();
        IVrrpBuilder first = services.AddVrrp();
        int count = services.Count;

        IVrrpBuilder second = services.AddVrrp();

        Assert.Equal(count, services.Count);
        Assert.Same(first.Services, second.Services);
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(VrrpService));
        Assert.Single(services, d => d.ServiceType == typeof(Vrrp.Diagnostics.VrrpMetrics));
    }

    [Fact]
    public void Routers_are_read_from_an_in_memory_configuration_section()
    {
        IConfiguration configuration = Configuration(new()
        {
            ["Vrrp:Routers:0:Name"] = "VI_51",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:Priority"] = "150",
            ["Vrrp:Routers:0:Version"] = "V2",
            ["Vrrp:Routers:0:AdvertisementInterval"] = "00:00:02",
            ["Vrrp:Routers:0:PreemptDelay"] = "00:00:30",
            ["Vrrp:Routers:0:Preempt"] = "false",
            ["Vrrp:Routers:0:AuthenticationType"] = "SimplePassword",
            ["Vrrp:Routers:0:AuthenticationPassword"] = "secret",
            ["Vrrp:Routers:0:VirtualAddresses:0"] = "198.51.100.100/24",
            ["Vrrp:Routers:0:VirtualAddresses:1"] = "198.51.100.101/24",
            ["Vrrp:Routers:0:UnicastPeers:0"] = "198.51.100.12",
            ["Vrrp:Routers:1:Name"] = "election",
            ["Vrrp:Routers:1:VirtualRouterId"] = "52",
        });
        var services = new ServiceCollection();
        services.AddVrrp(configuration.GetSection("Vrrp"));
        using ServiceProvider provider = services.BuildServiceProvider();

        VrrpOptions options = provider.GetRequiredService<IOptions<VrrpOptions>>().Value;

        Assert.Equal(2, options.Routers.Count);
        VirtualRouterOptions r = options.Routers[0];
        Assert.Equal(("VI_51", "node1", 51, 150, VrrpVersion.V2), (r.Name, r.Interface, r.VirtualRouterId, r.Priority, r.Version));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), false), (r.AdvertisementInterval, r.PreemptDelay, r.Preempt));
        Assert.Equal((VrrpAuthenticationType.SimplePassword, "secret"), (r.AuthenticationType, r.AuthenticationPassword));
        Assert.Equal(["198.51.100.100/24", "198.51.100.101/24"], r.VirtualAddresses);
        Assert.Equal(["198.51.100.12"], r.UnicastPeers);
        Assert.Empty(options.Routers[1].VirtualAddresses);
        Assert.Equal(100, options.Routers[1].Priority);
    }

    [Theory]
    [InlineData("Priority", "300", "Routers[0]: VI_51: Priority must be 1 to 254 (255 only with Owner = true); got 300.")]
    [InlineData("Priority", "high", "Vrrp:Routers:0:Priority must be an integer from 1 to 254 (255 with Owner); got 'high'.")]
    [InlineData("AdvertisementInterval", "00:00:00.005", "Routers[0]: VI_51: AdvertisementInterval must be 10 ms to 40.95 s in 10 ms steps for VRRPv3; got 5 ms.")]
    [InlineData("AdvertisementInterval", "soon", "Vrrp:Routers:0:AdvertisementInterval must be a time span written hh:mm:ss[.fff], 10 ms to 40.95 s in 10 ms steps for VRRPv3, 1 to 255 s for VRRPv2; got 'soon'.")]
    [InlineData("Priorty", "100", "Vrrp:Routers:0:Priorty is not a router setting")]
    public async Task A_bad_value_fails_the_hosts_start_naming_the_field_and_its_range(string key, string value, string expected)
    {
        using var network = new InMemoryNetwork(new VirtualClock());
        var settings = new Dictionary<string, string?>
        {
            ["Vrrp:Routers:0:Name"] = "VI_51",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:VirtualAddresses:0"] = "198.51.100.100/24",
            [$"Vrrp:Routers:0:{key}"] = value,
        };
        using IHost host = BuildHost(b => b.Services.AddVrrp(Configuration(settings).GetSection("Vrrp")).UseInMemoryNetwork(network));

        VrrpConfigurationException error = await Assert.ThrowsAsync<VrrpConfigurationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Errors, f => f.StartsWith(expected, StringComparison.Ordinal));
        Assert.Empty(network.Hosts); // no router was made, nothing was sent
    }

    [Fact]
    public async Task Two_routers_with_one_VRID_on_one_interface_fail_at_start()
    {
        using var network = new InMemoryNetwork(new VirtualClock());
        using IHost host = BuildHost(b => b.Services.AddVrrp()
            .AddRouter(o => Configure(o, "a", "node1", 100))
            .AddRouter(o => Configure(o, "b", "node1", 90))
            .UseInMemoryNetwork(network));

        VrrpConfigurationException error = await Assert.ThrowsAsync<VrrpConfigurationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Routers[1]: VirtualRouterId 51 on 'node1' is taken by Routers[0]; each router on an interface and family needs its own VRID (1 to 255).", error.Errors);
    }

    [Fact]
    public async Task The_hosted_service_starts_routers_with_the_host_and_a_graceful_stop_hands_mastership_over_at_once()
    {
        // Input: two hosts on one in-memory network and virtual clock, node1 (100) and node2 (90), one address.
        // Expected: both routers start with their hosts; node1 is master and holds the address; stopping node1's host
        // sends priority 0 and removes the address, and node2 takes over within 1 s, before Master_Down_Interval (3.6 s).
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        using IHost host1 = BuildHost(b => b.Services.AddVrrp().AddRouter(o => Configure(o, "VI_51", "node1", 100)).UseInMemoryNetwork(network).AddLeaderElection("VI_51"));
        using IHost host2 = BuildHost(b => b.Services.AddVrrp().AddRouter(o => Configure(o, "VI_51", "node2", 90)).UseInMemoryNetwork(network));
        VirtualRouter router1 = host1.Services.GetRequiredService<VrrpService>().GetRouter("VI_51");
        VirtualRouter router2 = host2.Services.GetRequiredService<VrrpService>().GetRouter("VI_51");
        FakeAddressManager addresses1 = host1.Services.GetRequiredService<FakeAddressManager>();
        FakeAddressManager addresses2 = host2.Services.GetRequiredService<FakeAddressManager>();
        Assert.Equal(VrrpState.Initialize, router1.State);

        await host1.StartAsync(TestContext.Current.CancellationToken);
        await host2.StartAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.True(router1.IsMaster);
        Assert.Equal(VrrpState.Backup, router2.State);
        Assert.True(addresses1.Holds(PackedIPAddress.Parse("198.51.100.100")));
        Assert.True(host1.Services.GetRequiredService<ILeaderElection>().IsLeader);

        await host1.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(VrrpState.Initialize, router1.State);
        Assert.Equal(1, router1.Statistics.PriorityZeroSent);
        Assert.False(addresses1.HoldsAny);
        Assert.False(host1.Services.GetRequiredService<ILeaderElection>().IsLeader);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(router2.IsMaster);
        Assert.True(addresses2.Holds(PackedIPAddress.Parse("198.51.100.100")));

        await host2.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(VrrpState.Initialize, router2.State);
    }

    [Fact]
    public async Task Without_a_transport_the_start_says_which_to_choose()
    {
        using IHost host = BuildHost(b => b.Services.AddVrrp().AddRouter(o => Configure(o, "VI_51", "eth0", 100)));

        VrrpConfigurationException error = await Assert.ThrowsAsync<VrrpConfigurationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("UseLinux(), UseInMemoryNetwork(...) or UseUdp(...)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseUdp_with_a_bad_port_fails_at_start_naming_it()
    {
        using IHost host = BuildHost(b => b.Services.AddVrrp()
            .AddRouter(o => Election(o, 100))
            .UseUdp(o => o.Port = 0));

        VrrpConfigurationException error = await Assert.ThrowsAsync<VrrpConfigurationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("UdpTransport: Port must be 1 to 65535; got 0.", error.Errors);
        Assert.DoesNotContain('\n', error.Message); // one line
    }

    [Fact]
    public async Task Two_hosts_elect_a_leader_over_UDP_without_addresses_and_a_stopped_leader_hands_over()
    {
        // Input: two hosts in real time, each AddVrrp().AddRouter(no address).UseUdp(127.0.0.x).AddLeaderElection.
        // Expected: the priority-100 host leads; when its host stops, the other leads with a greater fencing token.
        int port = FreePort();
        using IHost host1 = BuildHost(b => b.Services.AddVrrp().AddRouter(o => Election(o, 100)).UseUdp(o => Udp(o, "127.0.0.1", "127.0.0.2", port)).AddLeaderElection("election"));
        using IHost host2 = BuildHost(b => b.Services.AddVrrp().AddRouter(o => Election(o, 90)).UseUdp(o => Udp(o, "127.0.0.2", "127.0.0.1", port)).AddLeaderElection("election"));
        ILeaderElection e1 = host1.Services.GetRequiredService<ILeaderElection>();
        ILeaderElection e2 = host2.Services.GetRequiredService<ILeaderElection>();
        await host1.StartAsync(TestContext.Current.CancellationToken);
        await host2.StartAsync(TestContext.Current.CancellationToken);

        LeadershipTerm first = await e1.WaitForLeadershipAsync(TestContext.Current.CancellationToken);

        // Started together in real time, both may lead for an instant (host2 first, on a loaded machine): stop host1 only
        // once host2 has heard it as master, so the term e2 waits for below is the one after host1's, not its own
        // start-up term.
        VirtualRouter router1 = host1.Services.GetRequiredService<VrrpService>().Routers[0];
        VirtualRouter router2 = host2.Services.GetRequiredService<VrrpService>().Routers[0];
        while (router2.State != VrrpState.Backup || router2.MasterAddress != router1.PrimaryAddress || !e1.IsLeader)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        first = e1.CurrentTerm ?? first;
        await host1.StopAsync(TestContext.Current.CancellationToken);
        LeadershipTerm second = await e2.WaitForLeadershipAsync(TestContext.Current.CancellationToken);

        Assert.True(first.LeadershipLost.IsCancellationRequested);
        Assert.True(second.FencingToken > first.FencingToken);
        await host2.StopAsync(TestContext.Current.CancellationToken);
    }

    private static void Election(VirtualRouterOptions o, int priority)
    {
        o.Name = "election";
        o.VirtualRouterId = 1;
        o.Priority = priority;
        o.AdvertisementInterval = TimeSpan.FromMilliseconds(50);
    }

    private static void Udp(Vrrp.Transport.UdpTransportOptions o, string local, string peer, int port)
    {
        o.LocalAddress = local;
        o.Port = port;
        o.Key = "hosting-tests-pre-shared-key";
        o.Peers.Add(peer);
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task With_nothing_else_registered_a_hosted_app_logs_every_transition_and_reports_the_Vrrp_meter()
    {
        // Input: a host with AddVrrp().AddRouter(...).UseInMemoryNetwork(...) and the host's logging and metrics only.
        // Expected: the router's transitions are logged (event 1, StateChanged, category Vrrp.Router) and the Vrrp
        // meter reports its state and transitions; after the host stops, it is no longer reported. Before: AddVrrp
        // wired neither, and a hosted app logged nothing.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        using IHost host = BuildHost(b =>
        {
            b.Logging.AddFakeLogging();
            b.Services.AddVrrp().AddRouter(o => Configure(o, "r1", "node1", 100)).UseInMemoryNetwork(network);
        });
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var state = new MetricCollector<int>(meters, "Vrrp", "vrrp.router.state");
        using var transitions = new MetricCollector<long>(meters, "Vrrp", "vrrp.router.transitions");
        await host.StartAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(5));

        IReadOnlyList<FakeLogRecord> logs = host.Services.GetFakeLogCollector().GetSnapshot();
        Assert.Contains(logs, r => r.Category == "Vrrp.Router" && r.Id.Id == 1 && r.Message.Contains("r1: Backup -> Master", StringComparison.Ordinal));
        state.RecordObservableInstruments();
        Assert.Equal((int)VrrpState.Master, state.LastMeasurement!.Value);
        Assert.Equal("r1", state.LastMeasurement.Tags["vrrp.router"]);
        Assert.Contains(transitions.GetMeasurementSnapshot(), m => (string?)m.Tags["vrrp.state.to"] == "master");

        await host.StopAsync(TestContext.Current.CancellationToken);
        state.Clear();
        state.RecordObservableInstruments();
        Assert.Empty(state.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Routers_from_configuration_follow_a_reload_in_place_or_by_restarting_only_that_router()
    {
        // Input: a host whose router r1 comes from a configuration section; the configuration reloads with another
        // priority, then with another interval, then with a VRID out of range.
        // Expected: the priority changes in place (the same router), the interval restarts it (a new router), the bad
        // value is refused and logged while the router runs on. Before: changes were never followed.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vrrp:Routers:0:Name"] = "r1",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:Priority"] = "100",
            ["Vrrp:Routers:0:VirtualAddresses:0"] = "198.51.100.100/24",
        }).Build();
        using IHost host = BuildHost(b =>
        {
            b.Logging.AddFakeLogging();
            b.Services.AddVrrp(configuration.GetSection("Vrrp")).UseInMemoryNetwork(network);
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        var service = host.Services.GetRequiredService<VrrpService>();
        clock.Advance(TimeSpan.FromSeconds(5));
        VirtualRouter first = service.GetRouter("r1");

        configuration["Vrrp:Routers:0:Priority"] = "150";
        configuration.Reload();
        Assert.True(SpinWait.SpinUntil(() => first.Priority == 150, TimeSpan.FromSeconds(10)), "the priority follows the configuration");
        Assert.Same(first, service.GetRouter("r1"));

        configuration["Vrrp:Routers:0:AdvertisementInterval"] = "00:00:02";
        configuration.Reload();
        Assert.True(SpinWait.SpinUntil(() => !ReferenceEquals(first, service.Routers[0]), TimeSpan.FromSeconds(10)), "a change of interval restarts the router");
        VirtualRouter second = service.GetRouter("r1");
        Assert.Equal(TimeSpan.FromSeconds(2), second.MasterAdvertisementInterval);

        configuration["Vrrp:Routers:0:VirtualRouterId"] = "300";
        configuration.Reload();
        FakeLogCollector logs = host.Services.GetFakeLogCollector();
        Assert.True(SpinWait.SpinUntil(() => logs.GetSnapshot().Any(r => r.Id.Id == 7), TimeSpan.FromSeconds(10)), "an invalid change is refused and logged");
        Assert.Same(second, service.GetRouter("r1"));
        Assert.Contains("VirtualRouterId must be 1 to 255; got 300", logs.GetSnapshot().First(r => r.Id.Id == 7).Message, StringComparison.Ordinal);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static void Configure(VirtualRouterOptions o, string name, string node, int priority)
    {
        o.Name = name;
        o.Interface = node;
        o.VirtualRouterId = 51;
        o.Priority = priority;
        o.VirtualAddresses.Add("198.51.100.100/24");
    }

    [Fact]
    public void The_udp_transport_reads_its_settings_and_key_from_configuration_and_refuses_a_setting_it_does_not_know()
    {
        // Before: UseUdp took code alone, so the key had to be wired by hand from wherever secrets live.
        IConfiguration good = Configuration(new()
        {
            ["Vrrp:Udp:LocalAddress"] = "127.0.0.2",
            ["Vrrp:Udp:Port"] = "15798",
            ["Vrrp:Udp:Peers:0"] = "127.0.0.3",
            ["Vrrp:Udp:Peers:1"] = "127.0.0.4",
            ["Vrrp:Udp:Key"] = "0123456789abcdef0123",
        });
        using IHost host = BuildHost(b => b.Services.AddVrrp().UseUdp(good.GetSection("Vrrp:Udp")));
        Vrrp.Transport.UdpTransportOptions options = host.Services.GetRequiredService<IOptions<Vrrp.Transport.UdpTransportOptions>>().Value;

        Assert.Equal(("127.0.0.2", 15798, "0123456789abcdef0123", false), (options.LocalAddress, options.Port, options.Key, options.AllowUnauthenticated));
        Assert.Equal(["127.0.0.3", "127.0.0.4"], options.Peers);
        Assert.Empty(options.Validate());

        IConfiguration bad = Configuration(new() { ["Vrrp:Udp:Prot"] = "15798", ["Vrrp:Udp:Port"] = "many" });
        using IHost refused = BuildHost(b => b.Services.AddVrrp().UseUdp(bad.GetSection("Vrrp:Udp")));
        VrrpConfigurationException error = Assert.Throws<VrrpConfigurationException>(() => refused.Services.GetRequiredService<IOptions<Vrrp.Transport.UdpTransportOptions>>().Value);
        Assert.Contains("Vrrp:Udp:Prot is not a UDP transport setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("Vrrp:Udp:Port must be an integer from 1 to 65535; got 'many'", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static IHost BuildHost(Action<HostApplicationBuilder> configure)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder);
        return builder.Build();
    }
}
