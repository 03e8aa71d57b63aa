using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Vrrp.Testing.Tests;

/// <summary>Tracked checks from configuration (Vrrp:Routers:N:Checks): run while the router runs, followed on reload in place.</summary>
public sealed class ConfiguredChecksTests
{
    [Fact]
    public async Task A_tcp_check_from_configuration_moves_the_priority_and_a_reload_changes_it_in_place()
    {
        // Input: router r1 (priority 100) whose configuration has a Tcp check of a local listener, weight -20; the
        // listener closes; then the configuration reloads with weight -50.
        // Expected: while the listener answers, priority 100; once it is gone, 80; after the reload, 50 on the same
        // router (no restart). Before: checks could come only from code ("not a router setting").
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vrrp:Routers:0:Name"] = "r1",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:Priority"] = "100",
            ["Vrrp:Routers:0:Checks:0:Type"] = "Tcp",
            ["Vrrp:Routers:0:Checks:0:Target"] = $"127.0.0.1:{port}",
            ["Vrrp:Routers:0:Checks:0:Weight"] = "-20",
            ["Vrrp:Routers:0:Checks:0:Interval"] = "00:00:01",
        }).Build();
        using IHost host = BuildHost(b => b.Services.AddVrrp(configuration.GetSection("Vrrp")).UseInMemoryNetwork(network));
        await host.StartAsync(TestContext.Current.CancellationToken);
        VirtualRouter router = host.Services.GetRequiredService<VrrpService>().GetRouter("r1");
        Assert.Equal("Tcp 127.0.0.1:" + port, Assert.Single(router.TrackedChecks).Name);
        await RunUntilAsync(clock, () => router.TrackedChecks[0].IsHealthy && router.Priority == 100);

        listener.Stop();
        await RunUntilAsync(clock, () => router.Priority == 80);

        configuration["Vrrp:Routers:0:Checks:0:Weight"] = "-50";
        configuration.Reload();
        await RunUntilAsync(clock, () => router.Priority == 50);
        Assert.Same(router, host.Services.GetRequiredService<VrrpService>().GetRouter("r1"));
        Assert.Equal(-50, Assert.Single(router.TrackedChecks).Weight);
        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Empty(router.TrackedChecks); // a stopped router runs no check
    }

    [Theory]
    [InlineData("Snmp", "127.0.0.1:1", "r1: Checks[0].Type must be one of Tcp, Http, Ping (Command needs AddCommandChecks() from Vrrp.Keepalived); got 'Snmp'.")]
    [InlineData("Tcp", "127.0.0.1", "r1: Checks[0].Target must be host:port with a port of 1 to 65535 for a Tcp check; got '127.0.0.1'.")]
    [InlineData("Http", "ftp://x/", "r1: Checks[0].Target must be an absolute http or https URL for an Http check; got 'ftp://x/'.")]
    [InlineData("Ping", "gateway", "r1: Checks[0].Target must be an IPv4 or IPv6 address for a Ping check; got 'gateway'.")]
    [InlineData("Tcp", "", "r1: Checks[0].Target is required")]
    public async Task A_check_that_cannot_be_made_fails_the_start_naming_it(string type, string target, string expected)
    {
        using var network = new InMemoryNetwork(new VirtualClock());
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vrrp:Routers:0:Name"] = "r1",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:Checks:0:Type"] = type,
            ["Vrrp:Routers:0:Checks:0:Target"] = target,
        }).Build();
        using IHost host = BuildHost(b => b.Services.AddVrrp(configuration.GetSection("Vrrp")).UseInMemoryNetwork(network));
        VrrpConfigurationException error = await Assert.ThrowsAsync<VrrpConfigurationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_check_setting_is_named()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vrrp:Routers:0:Name"] = "r1",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:Checks:0:Type"] = "Tcp",
            ["Vrrp:Routers:0:Checks:0:Target"] = "127.0.0.1:80",
            ["Vrrp:Routers:0:Checks:0:Retries"] = "3",
        }).Build();
        var services = new ServiceCollection();
        services.AddVrrp(configuration.GetSection("Vrrp")).UseInMemoryNetwork(new InMemoryNetwork(new VirtualClock()));
        await using ServiceProvider provider = services.BuildServiceProvider();
        VrrpConfigurationException error = Assert.Throws<VrrpConfigurationException>(() => provider.GetRequiredService<VrrpService>().Routers);
        Assert.Contains("Vrrp:Routers:0:Checks:0:Retries is not a check setting", error.Message, StringComparison.Ordinal);
    }

    // The check connects for real (a loopback socket) while its schedule runs on the virtual clock: move the clock a
    // little and give the connect time to finish, until the condition holds.
    private static async Task RunUntilAsync(VirtualClock clock, Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "the condition did not hold within 50 s of virtual time");
    }

    private static IHost BuildHost(Action<HostApplicationBuilder> configure)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder);
        return builder.Build();
    }
}
