using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Health;
using Vrrp.Packets;
using Vrrp.Protocol;
using Vrrp.Transport;

namespace Vrrp.Testing.Tests;

/// <summary>Priority, virtual addresses, unicast peers and tracked checks change while the routers run, without a restart.</summary>
public sealed class RuntimeChangeTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    [Fact]
    public void Raising_a_backups_priority_above_the_masters_makes_it_preempt()
    {
        // Input: r1 (100) master, r2 (90) backup; r2's priority set to 120 at run time.
        // Expected: r2 takes over, r1 becomes backup; setting it back to 90 lets r1 preempt again.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        sim.Start();
        sim.RunFor(Settle);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);

        sim["r2"].Router.SetPriority(120);
        sim.RunFor(Settle);
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(VrrpState.Backup, sim["r1"].Router.State);

        sim["r2"].Router.SetPriority(90);
        sim.RunFor(Settle);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
    }

    [Fact]
    public void Changing_a_masters_addresses_adds_the_new_removes_the_old_keeps_the_shared_and_advertises_the_new_list()
    {
        // Input: master r1 holding .100 and .103; its list set to .100 and .101 at run time.
        // Expected: it holds .100 and .101; only .103 was removed and only .101 added (.100 never touched); the new
        // list was announced; adverts on the wire carry .100 and .101 from then on.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90)
            .ConfigureRouters(o => o.VirtualAddresses.Add("198.51.100.103/24")).Build();
        var tap = new AdvertTap(sim.Network);
        sim.Start();
        sim.RunFor(Settle);
        SimulatedNode master = sim.AssertExactlyOneMaster();
        int eventsBefore = master.Addresses.GetEvents().Count;
        int announcementsBefore = master.Addresses.AnnouncementCount;

        master.Router.SetVirtualAddresses(["198.51.100.100/24", "198.51.100.101/24"]);
        tap.Clear();
        sim.RunFor(TimeSpan.FromSeconds(3));

        Assert.Equal(
            new HashSet<PackedIPAddress> { PackedIPAddress.Parse("198.51.100.100"), PackedIPAddress.Parse("198.51.100.101") },
            master.Addresses.GetHeldAddresses());
        AddressEvent[] changes = [.. master.Addresses.GetEvents().Skip(eventsBefore)];
        AddressEvent removed = Assert.Single(changes, e => e.Kind == AddressEventKind.Removed);
        Assert.Equal([VirtualAddress.Parse("198.51.100.103/24")], removed.Addresses);
        AddressEvent added = Assert.Single(changes, e => e.Kind == AddressEventKind.Added);
        Assert.Equal([VirtualAddress.Parse("198.51.100.101/24")], added.Addresses);
        Assert.Contains(changes, e => e.Kind == AddressEventKind.Announced);
        Assert.True(master.Addresses.AnnouncementCount > announcementsBefore);
        Assert.NotEmpty(tap.Lists);
        Assert.All(tap.Lists, list => Assert.Equal(["198.51.100.100", "198.51.100.101"], list));
        Assert.Empty(sim.CheckAddressInvariant());
        Assert.Equal(VrrpState.Backup, sim["r2"].Router.State);
    }

    [Fact]
    public void Growing_the_list_at_run_time_grows_the_send_buffer_with_it_even_for_VRRPv2_with_an_authentication_header()
    {
        // Input: a VRRPv2 pair with AH (the largest datagram: IPv4 + AH + VRRP + addresses + auth data), one address
        // each; both lists set to 40 addresses at run time. Expected: r1's adverts still reach r2 (r2 stays backup for
        // 10 s, which it would not if r1's larger adverts failed to write) and r1 stays the one master.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90)
            .ConfigureRouters(o =>
            {
                o.Version = VrrpVersion.V2;
                o.AdvertisementInterval = TimeSpan.FromSeconds(1);
                o.AuthenticationType = VrrpAuthenticationType.IPAuthenticationHeader;
                o.AuthenticationPassword = "secret";
            }).Build();
        sim.Start();
        sim.RunFor(Settle);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);

        string[] many = [.. Enumerable.Range(1, 40).Select(i => $"198.51.100.{i}/24")];
        sim["r2"].Router.SetVirtualAddresses(many);
        sim["r1"].Router.SetVirtualAddresses(many);
        sim.RunFor(Settle);

        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(VrrpState.Backup, sim["r2"].Router.State);
        Assert.Equal(40, sim["r1"].Addresses.GetHeldAddresses().Count);
    }

    [Fact]
    public void A_backups_new_addresses_are_taken_only_when_it_becomes_master()
    {
        // Input: backup r2's list changed to .110 at run time; then r1 crashes.
        // Expected: r2 touches no address while backup; as master it holds .110 and not the old .100.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        sim.Start();
        sim.RunFor(Settle);
        SimulatedNode backup = sim["r2"];
        int eventsBefore = backup.Addresses.GetEvents().Count;

        backup.Router.SetVirtualAddresses(["198.51.100.110/24"]);
        sim.RunFor(Settle);
        Assert.Equal(eventsBefore, backup.Addresses.GetEvents().Count);

        sim.Crash("r1");
        sim.RunFor(Settle);
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(new HashSet<PackedIPAddress> { PackedIPAddress.Parse("198.51.100.110") }, backup.Addresses.GetHeldAddresses());
    }

    [Fact]
    public void An_address_of_the_wrong_family_is_refused_naming_the_field_and_the_list_is_unchanged()
    {
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        VirtualRouter router = sim["r1"].Router;

        VrrpConfigurationException error = Assert.Throws<VrrpConfigurationException>(() => router.SetVirtualAddresses(["fe80::1/64"]));

        Assert.Contains("r1: VirtualAddresses[0] must be an address/prefix of the router's family (InterNetwork); got 'fe80::1/64'.", error.Errors);
        Assert.Equal([VirtualAddress.Parse("198.51.100.100/24")], router.VirtualAddresses);
    }

    [Fact]
    public void Changing_unicast_peers_decides_whom_a_router_hears()
    {
        // Input: r1 (100) and r2 (90) advertising to each other by unicast; r2's peers changed to an absent address, then back.
        // Expected: r2, deaf to r1, counts its adverts as unknown peer and becomes master too; given r1 back, it yields.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder()
            .AddNode("r1", 100, o => o.UnicastPeers.Add("198.51.100.12"))
            .AddNode("r2", 90, o => o.UnicastPeers.Add("198.51.100.11"))
            .Build();
        sim.Start();
        sim.RunFor(Settle);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        VirtualRouter r2 = sim["r2"].Router;

        r2.SetUnicastPeers(["198.51.100.99"]);
        sim.RunFor(Settle);
        Assert.True(r2.IsMaster);
        Assert.True(r2.Statistics.Discarded(VrrpPacketStatus.UnknownPeer) > 0);
        Assert.Equal([PackedIPAddress.Parse("198.51.100.99")], r2.UnicastPeers);

        r2.SetUnicastPeers(["198.51.100.11"]);
        sim.RunFor(Settle);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
    }

    [Fact]
    public void Adding_and_removing_a_tracked_check_at_run_time_moves_the_priority()
    {
        // Input: master r1 (100), backup r2 (90); a failing check of weight -20 added to r1, then removed.
        // Expected: r1 drops to 80 and r2 preempts; once the check is removed r1 is 100 again and preempts back.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        sim.Start();
        sim.RunFor(Settle);
        VirtualRouter r1 = sim["r1"].Router;
        var check = new TrackedCheck("disk", -20, initiallyHealthy: false);

        r1.AddTrackedCheck(check);
        sim.RunFor(Settle);
        Assert.Equal(80, r1.Priority);
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);

        check.SetHealthy(true);
        sim.RunFor(Settle);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        check.SetHealthy(false);
        sim.RunFor(Settle);
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);

        Assert.True(r1.RemoveTrackedCheck(check));
        sim.RunFor(Settle);
        Assert.Equal(100, r1.Priority);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Empty(r1.TrackedChecks);

        check.SetHealthy(true);
        check.SetHealthy(false); // no longer tracked: nothing moves
        sim.RunFor(Settle);
        Assert.Equal(100, r1.Priority);
    }

    [Fact]
    public void A_masters_adverts_each_carry_the_next_identification_a_whole_header_and_its_current_priority()
    {
        // Input: master r1 (100) advertising for 3 s, its priority set to 110, 3 s more. From its second advert on it
        // sends the last one again with the identification rewritten.
        // Expected: every header sums to zero, each identification is the last one plus one, and the priority goes
        // from 100 to 110 at one advert and stays there.
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        var tap = new AdvertTap(sim.Network);
        sim.Start();
        sim.RunFor(Settle);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        tap.Clear();

        sim.RunFor(TimeSpan.FromSeconds(3));
        sim["r1"].Router.SetPriority(110);
        sim.RunFor(TimeSpan.FromSeconds(3));

        Assert.True(tap.Headers.Count >= 5, $"{tap.Headers.Count} adverts");
        Assert.All(tap.Headers, h => Assert.True(h.ChecksumValid));
        for (int i = 1; i < tap.Headers.Count; i++)
        {
            Assert.Equal((ushort)(tap.Headers[i - 1].Identification + 1), tap.Headers[i].Identification);
        }

        byte[] priorities = [.. tap.Headers.Select(h => h.Priority)];
        int change = Array.IndexOf(priorities, (byte)110);
        Assert.True(change > 0, string.Join(",", priorities));
        Assert.All(priorities[..change], p => Assert.Equal(100, p));
        Assert.All(priorities[change..], p => Assert.Equal(110, p));
    }

    /// <summary>A listener on the network that decodes every advert it hears and keeps its address list.</summary>
    private sealed class AdvertTap : IAdvertisementReceiver
    {
        private readonly List<string[]> _lists = [];
        private readonly List<(ushort Identification, bool ChecksumValid, byte Priority)> _headers = [];

        public AdvertTap(InMemoryNetwork network) => network.AddHost("tap").GetTransport(AddressFamily.InterNetwork).Register(51, this);

        public IReadOnlyList<string[]> Lists => _lists;

        public List<(ushort Identification, bool ChecksumValid, byte Priority)> Headers => _headers;

        public void Clear()
        {
            _lists.Clear();
            _headers.Clear();
        }

        public void Receive(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
        {
            if (VrrpDatagram.TryReadIPv4(packet, new VrrpReceivePolicy(VrrpVersion.V3), out ReceivedAdvertisement advertisement) == VrrpPacketStatus.Valid
                && advertisement.Packet.Priority != 0)
            {
                VrrpPacket advert = advertisement.Packet;
                Assert.True(IPv4Header.TryRead(packet, out IPv4Header header));
                _headers.Add((header.Identification, IPv4Header.VerifyHeaderChecksum(packet), advert.Priority));
                string[] list = new string[advert.AddressCount];
                for (int i = 0; i < list.Length; i++)
                {
                    list[i] = advert.GetAddress(i).ToString();
                }

                _lists.Add(list);
            }
        }
    }
}
