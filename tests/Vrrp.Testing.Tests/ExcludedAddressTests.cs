using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>keepalived's virtual_ipaddress_excluded: held and announced with mastership, never advertised.</summary>
public sealed class ExcludedAddressTests
{
    [Fact]
    public void A_master_holds_and_announces_its_excluded_addresses_but_never_advertises_them()
    {
        // Input: two VRRPv2 routers whose advertised lists match; r1 alone also has two excluded addresses.
        // Expected: r1, master, holds all three addresses; r2 discards nothing (a VRRPv2 receiver compares the address
        // list with its own, so an advertised excluded address would be an AddressList error); after r1 stops, r2
        // holds the virtual address only and r1 none. Before: the excluded addresses were never added.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder()
            .ConfigureRouters(static o => o.Version = VrrpVersion.V2)
            .AddNode("r1", 100, static o =>
            {
                o.ExcludedAddresses.Add("203.0.113.5/24");
                o.ExcludedAddresses.Add("2001:db8:51::6/64"); // the other family, as keepalived allows
            })
            .AddNode("r2", 90)
            .Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));

        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.True(sim["r1"].Addresses.Holds(PackedIPAddress.Parse("198.51.100.100")));
        Assert.True(sim["r1"].Addresses.Holds(PackedIPAddress.Parse("203.0.113.5")));
        Assert.True(sim["r1"].Addresses.Holds(PackedIPAddress.Parse("2001:db8:51::6")));
        Assert.Equal(0, sim["r2"].Router.Statistics.TotalDiscarded);
        Assert.True(sim["r2"].Router.Statistics.AdvertisementsReceived > 5);
        Assert.Equal(3, sim["r1"].Router.HeldAddresses.Count);

        sim.Stop("r1");
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Master, sim["r2"].Router.State);
        Assert.False(sim["r1"].Addresses.Holds(PackedIPAddress.Parse("203.0.113.5")));
        Assert.False(sim["r2"].Addresses.Holds(PackedIPAddress.Parse("203.0.113.5")));
    }
}
