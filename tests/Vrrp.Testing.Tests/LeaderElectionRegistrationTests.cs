using Microsoft.Extensions.DependencyInjection;
using Vrrp.Election;

namespace Vrrp.Testing.Tests;

/// <summary>Named elections in one host: keyed registration, the plain one when there is one, clear errors otherwise.</summary>
public sealed class LeaderElectionRegistrationTests
{
    [Fact]
    public async Task Two_named_elections_resolve_by_key_and_the_plain_one_names_them()
    {
        // Input: two VRRP routers and an election on each. Before, the second AddLeaderElection was silently ignored.
        using var network = new InMemoryNetwork(new VirtualClock());
        var services = new ServiceCollection();
        services.AddVrrp()
            .AddRouter(o => Router(o, "orders", 1))
            .AddRouter(o => Router(o, "billing", 2))
            .UseInMemoryNetwork(network)
            .AddLeaderElection("orders")
            .AddLeaderElection("billing");
        await using ServiceProvider provider = services.BuildServiceProvider();

        var orders = (VrrpLeaderElection)provider.GetRequiredKeyedService<ILeaderElection>("orders");
        var billing = (VrrpLeaderElection)provider.GetRequiredKeyedService<ILeaderElection>("billing");
        Assert.Equal("orders", orders.Router.Name);
        Assert.Equal("billing", billing.Router.Name);
        InvalidOperationException ambiguous = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ILeaderElection>());
        Assert.Contains("2 leader elections (orders, billing)", ambiguous.Message, StringComparison.Ordinal);
        Assert.Contains("FromKeyedServices", ambiguous.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_election_is_also_the_plain_ILeaderElection()
    {
        using var network = new InMemoryNetwork(new VirtualClock());
        var services = new ServiceCollection();
        services.AddVrrp().AddRouter(o => Router(o, "election", 1)).UseInMemoryNetwork(network);
        services.AddLeaderElection("main").UseVrrp("election");
        await using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredKeyedService<ILeaderElection>("main"), provider.GetRequiredService<ILeaderElection>());
    }

    [Fact]
    public void A_duplicate_name_a_second_backend_and_a_missing_backend_are_refused_with_what_to_do()
    {
        var services = new ServiceCollection();
        ILeaderElectionBuilder builder = services.AddLeaderElection("main");
        ArgumentException duplicate = Assert.Throws<ArgumentException>(() => services.AddLeaderElection("main"));
        Assert.Contains("'main' is registered already", duplicate.Message, StringComparison.Ordinal);

        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            InvalidOperationException missing = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ILeaderElection>());
            Assert.Contains("'main' has no backend: call UseVrrp", missing.Message, StringComparison.Ordinal);
        }

        builder.UseVrrp("r");
        InvalidOperationException second = Assert.Throws<InvalidOperationException>(() => builder.UseVrrp("other"));
        Assert.Contains("has a backend already", second.Message, StringComparison.Ordinal);
    }

    private static void Router(VirtualRouterOptions o, string name, byte vrid)
    {
        o.Name = name;
        o.Interface = "node1";
        o.VirtualRouterId = vrid;
        o.Priority = 100;
    }
}
