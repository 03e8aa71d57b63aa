using Vrrp.Addressing;
using Vrrp.Routing;

namespace Vrrp.Testing.Tests;

/// <summary>Virtual routes and rules follow mastership: after the addresses on becoming master, before them on leaving it.</summary>
public sealed class VirtualRouteTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    [Fact]
    public void Only_the_master_holds_the_routes_and_rules_and_they_move_with_mastership_in_order()
    {
        // Input: r1 (100) and r2 (90), each with a route and a rule; r1 stops.
        // Expected: r1 holds them and r2 does not; after the stop r2 holds them and r1 none. On each node, routes come
        // after the addresses and leave before them.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90)
            .ConfigureRouters(o =>
            {
                o.VirtualRoutes.Add("203.0.113.0/24 via 198.51.100.1 table 100");
                o.VirtualRules.Add("from 198.51.100.100 table 100 priority 100");
            }).Build();
        sim.Start();
        sim.RunFor(Settle);
        VirtualRoute route = VirtualRoute.Parse("203.0.113.0/24 via 198.51.100.1 table 100");
        VirtualRule rule = VirtualRule.Parse("from 198.51.100.100 table 100 priority 100");
        Assert.Equal([route], sim["r1"].Addresses.GetHeldRoutes());
        Assert.Equal([rule], sim["r1"].Addresses.GetHeldRules());
        Assert.Empty(sim["r2"].Addresses.GetHeldRoutes());

        sim["r1"].Router.Stop();
        sim.RunFor(Settle);

        Assert.Empty(sim["r1"].Addresses.GetHeldRoutes());
        Assert.Empty(sim["r1"].Addresses.GetHeldRules());
        Assert.Equal([route], sim["r2"].Addresses.GetHeldRoutes());
        AddressEventKind[] r1 = [.. sim["r1"].Addresses.GetEvents().Select(e => e.Kind).Where(k => k != AddressEventKind.Announced)];
        Assert.Equal([AddressEventKind.Added, AddressEventKind.RoutesAdded, AddressEventKind.RoutesRemoved, AddressEventKind.Removed], r1);
    }

    [Fact]
    public void Routes_with_an_address_manager_that_cannot_hold_them_are_refused_at_construction()
    {
        var options = new VirtualRouterOptions { Interface = "lab0", VirtualRouterId = 51, Priority = 100 };
        options.VirtualAddresses.Add("198.51.100.100/24");
        options.VirtualRoutes.Add("203.0.113.0/24 dev lab0");
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        InMemoryHost host = network.AddHost("h1");

        VrrpConfigurationException error = Assert.Throws<VrrpConfigurationException>(
            () => new VirtualRouter(options, host.GetTransport(System.Net.Sockets.AddressFamily.InterNetwork), NullAddressManager.Instance, new FakeAddressManager(clock), clock));
        Assert.Contains("IVirtualRouteManager", error.Message, StringComparison.Ordinal);
    }
}
