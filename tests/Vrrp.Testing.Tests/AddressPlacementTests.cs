using Vrrp.Addressing;

namespace Vrrp.Testing.Tests;

/// <summary>A router tells its address manager where each address goes, and an address keeps that place for the router's life.</summary>
public sealed class AddressPlacementTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_router_gives_each_address_its_placement_and_the_default_to_an_address_alone()
    {
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100)
            .ConfigureRouters(o =>
            {
                o.VirtualAddresses.Add("198.51.100.150/32 dev side0 label side0:a scope host");
                o.ExcludedAddresses.Add("203.0.113.5/32 dev side0 no_track");
            }).Build();
        VirtualRouter router = sim["r1"].Router;

        Assert.Same(AddressPlacement.Default, router.PlacementOf(router.VirtualAddresses[0]));
        Assert.Equal(new AddressPlacement { Device = "side0", Label = "side0:a", Scope = AddressScope.Host }, router.PlacementOf(VirtualAddress.Parse("198.51.100.150/32")));
        Assert.Equal(new AddressPlacement { Device = "side0", NoTrack = true }, router.PlacementOf(VirtualAddress.Parse("203.0.113.5/32")));
        Assert.Same(AddressPlacement.Default, router.PlacementOf(VirtualAddress.Parse("198.51.100.99/24"))); // not the router's
    }

    [Fact]
    public void A_running_router_refuses_to_move_an_address_it_holds_and_takes_new_addresses_with_their_placement()
    {
        // Input: a master holding .100 (alone); its list set at run time to .100 on another interface, then to .100
        // and .101 with a label.
        // Expected: the first is refused (a queued removal must find the address where it was added), naming the
        // address, and changes nothing; the second is taken, .101 with its label.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        sim.Start();
        sim.RunFor(Settle);
        VirtualRouter router = sim.AssertExactlyOneMaster().Router;
        string before = router.VirtualAddresses[0].ToString();

        VrrpConfigurationException refused = Assert.Throws<VrrpConfigurationException>(() => router.SetVirtualAddresses([$"{before} dev side0"]));
        Assert.Contains(before, refused.Message, StringComparison.Ordinal);
        Assert.Contains("restart", refused.Message, StringComparison.Ordinal);
        Assert.Same(AddressPlacement.Default, router.PlacementOf(router.VirtualAddresses[0]));

        router.SetVirtualAddresses([before, "198.51.100.101/24 label lab0:b"]);
        sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(2, router.VirtualAddresses.Count);
        Assert.Equal("lab0:b", router.PlacementOf(VirtualAddress.Parse("198.51.100.101/24")).Label);
        Assert.True(sim["r1"].Addresses.Holds(VirtualAddress.Parse("198.51.100.101/24").Address));
    }
}
