using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>
/// keepalived's <c>garp_extra_if all N</c> (<see cref="VirtualRouterOptions.OtherInterfaceAnnouncementInterval"/>):
/// while master, every N seconds one announcement of the first address on each other interface. Before: the keyword
/// was warned "not run" and nothing was sent there after the burst on becoming master.
/// </summary>
public sealed class OtherInterfaceAnnouncementTests
{
    private static VrrpSimulation Cluster(TimeSpan interval, bool transmitOnParent, params string[] addresses) =>
        VrrpSimulation.CreateBuilder()
            .AddNodes(100, 90)
            .ConfigureRouters(o =>
            {
                o.VirtualAddresses.Clear();
                foreach (string address in addresses)
                {
                    o.VirtualAddresses.Add(address);
                }

                o.OtherInterfaceAnnouncementInterval = interval;
                o.UseVirtualMac = transmitOnParent;
                o.VirtualMacTransmitOnParent = transmitOnParent;
            })
            .Build();

    private static string[][] OtherInterfaceAnnouncements(VrrpSimulation sim, string node) =>
        [.. sim[node].Addresses.GetEvents().Where(e => e.Kind == AddressEventKind.AnnouncedOnOtherInterfaces).Select(e => e.Addresses.Select(a => a.ToString()).ToArray())];

    [Fact]
    public void A_master_announces_the_first_address_of_each_other_interface_every_period_and_stops_when_it_leaves()
    {
        // Input: addresses on the router's own interface, two on lab1, one on lab2; garp_extra_if all 10; 35 s of
        // mastership, then the master stops.
        // Expected: at 10, 20 and 30 s one announcement each of .200 (lab1's first) and .202 (lab2's); none on the own
        // interface (its adverts keep switches up to date); none from the backup; none after the master left.
        using VrrpSimulation sim = Cluster(TimeSpan.FromSeconds(10), false, "198.51.100.100/24", "198.51.100.200/24 dev lab1", "198.51.100.201/24 dev lab1", "198.51.100.202/24 dev lab2");
        sim.Start();
        sim.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Master, sim["r1"].Router.State);
        sim["r1"].Addresses.ClearEvents();

        sim.Clock.Advance(TimeSpan.FromSeconds(35));
        string[][] sent = OtherInterfaceAnnouncements(sim, "r1");
        Assert.Equal(3, sent.Length);
        Assert.All(sent, s => Assert.Equal(["198.51.100.200/24", "198.51.100.202/24"], s));
        Assert.Empty(OtherInterfaceAnnouncements(sim, "r2"));

        sim["r1"].Router.Stop();
        sim["r1"].Addresses.ClearEvents();
        sim.Clock.Advance(TimeSpan.FromSeconds(35));
        Assert.Empty(OtherInterfaceAnnouncements(sim, "r1"));
        Assert.Equal(3, OtherInterfaceAnnouncements(sim, "r2").Length); // the new master's, from its takeover
    }

    [Fact]
    public void Nothing_is_sent_when_every_address_is_on_the_routers_own_interface_or_the_period_is_zero()
    {
        // As keepalived: no extra interface, no periodic announcement.
        using VrrpSimulation own = Cluster(TimeSpan.FromSeconds(10), false, "198.51.100.100/24", "198.51.100.101/24");
        own.Start();
        own.Clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Empty(OtherInterfaceAnnouncements(own, "r1"));

        using VrrpSimulation off = Cluster(TimeSpan.Zero, false, "198.51.100.100/24", "198.51.100.200/24 dev lab1");
        off.Start();
        off.Clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Empty(OtherInterfaceAnnouncements(off, "r1"));
    }

    [Fact]
    public void With_adverts_from_the_parent_the_routers_own_virtual_mac_interface_is_announced_too()
    {
        // vmac_xmit_base: the macvlan sends no advert, so keepalived announces its first address there as well.
        using VrrpSimulation sim = Cluster(TimeSpan.FromSeconds(10), true, "198.51.100.100/24", "198.51.100.200/24 dev lab1");
        sim.Start();
        sim.Clock.Advance(TimeSpan.FromSeconds(5));
        sim["r1"].Addresses.ClearEvents();
        sim.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([["198.51.100.100/24", "198.51.100.200/24"]], OtherInterfaceAnnouncements(sim, "r1"));
    }

    [Fact]
    public void The_period_is_validated_with_its_range()
    {
        var options = new VirtualRouterOptions { Name = "r", Interface = "lab0", VirtualRouterId = 1, OtherInterfaceAnnouncementInterval = TimeSpan.FromSeconds(86401) };
        options.VirtualAddresses.Add("198.51.100.100/24");
        Assert.Contains(options.Validate(), e => e.Contains(nameof(VirtualRouterOptions.OtherInterfaceAnnouncementInterval), StringComparison.Ordinal) && e.Contains("86400", StringComparison.Ordinal));
    }
}
