using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>keepalived's unicast_src_ip: the adverts' source, the address unicast peers list.</summary>
public sealed class SourceAddressTests
{
    [Fact]
    public void Adverts_leave_from_the_configured_source_and_a_peer_that_lists_only_it_hears_them()
    {
        // Input: unicast r1 (100) with SourceAddress 198.51.100.61, and r2 (90) whose only peer is 198.51.100.61.
        // Expected: r2 hears r1 and stays backup, with r1's source as its master address; one master. Before: the
        // source was the interface's address, r2 discarded every advert as from an unknown peer, and both were master.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNode("r1", 100).AddNode("r2", 90).Build();
        PackedIPAddress r2Address = sim["r2"].Host.IPv4Address;
        sim.Dispose();

        using VrrpSimulation lab = VrrpSimulation.CreateBuilder()
            .AddNode("r1", 100, o =>
            {
                o.SourceAddress = "198.51.100.61";
                o.UnicastPeers.Add(r2Address.ToString());
            })
            .AddNode("r2", 90, static o => o.UnicastPeers.Add("198.51.100.61"))
            .Build();
        lab.Start();
        lab.RunFor(TimeSpan.FromSeconds(10));

        Assert.Equal("r1", lab.AssertExactlyOneMaster().Name);
        Assert.Equal(VrrpState.Backup, lab["r2"].Router.State);
        Assert.Equal(PackedIPAddress.Parse("198.51.100.61"), lab["r2"].Router.MasterAddress);
        Assert.Equal(0, lab["r2"].Router.Statistics.Discarded(VrrpPacketStatus.UnknownPeer));
        Assert.Equal(PackedIPAddress.Parse("198.51.100.61"), lab["r1"].Router.PrimaryAddress);
    }
}
