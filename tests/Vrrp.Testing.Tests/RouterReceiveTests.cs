using System.Buffers.Binary;
using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>
/// Injected packets that must change nothing but a counter: each is sent by a rogue host on the segment to a
/// running backup, whose state, master and timers must stay as they were.
/// </summary>
public sealed class RouterReceiveTests
{
    private static (VrrpSimulation Sim, InMemoryHost Rogue) Cluster(Action<VirtualRouterOptions>? configure = null)
    {
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder().AddNodes(100, 90);
        if (configure is not null)
        {
            builder.ConfigureRouters(configure);
        }

        VrrpSimulation sim = builder.Build();
        InMemoryHost rogue = sim.Network.AddHost("rogue");
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        return (sim, rogue);
    }

    private static byte[] Advert(VrrpVersion version, byte vrid, byte priority, ushort interval, PackedIPAddress source, string address = "198.51.100.100", VrrpAuthentication? authentication = null, uint sequence = 1)
    {
        byte[] list = new byte[4];
        PackedIPAddress.Parse(address).WriteTo(list);
        var packet = new VrrpPacket(version, vrid, priority, interval, AddressFamily.InterNetwork, list);
        byte[] buffer = new byte[128];
        Assert.True(VrrpDatagram.TryWriteIPv4(buffer, packet, source, PackedIPAddress.Parse("224.0.0.18"), 1, VrrpChecksumForm.PseudoHeader, authentication, sequence, out int length));
        return buffer[..length];
    }

    private static void Inject(VrrpSimulation sim, InMemoryHost rogue, byte[] datagram)
    {
        Assert.True(rogue.GetTransport(AddressFamily.InterNetwork).Send(datagram, PackedIPAddress.Parse("224.0.0.18")));
        sim.RunFor(TimeSpan.FromMilliseconds(1));
    }

    private static void AssertUnchanged(VrrpSimulation sim)
    {
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(VrrpState.Backup, sim["r2"].Router.State);
        Assert.Equal(sim["r1"].Host.IPv4Address, sim["r2"].Router.MasterAddress);
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Single(sim["r2"].Router.GetHistory()); // Initialize -> Backup, nothing since
    }

    [Fact]
    public void Announcements_of_its_own_mac_of_other_addresses_or_heard_as_backup_are_ignored()
    {
        // Input: r1 (master) hears its own MAC and a stranger's address; r2 (backup) hears another MAC for the virtual
        // address. Expected: no conflict counted, nothing announced; then another MAC for r1's address is counted once.
        (VrrpSimulation sim, _) = Cluster();
        using (sim)
        {
            VirtualRouter master = sim["r1"].Router;
            PackedIPAddress address = master.VirtualAddresses[0].Address;
            var other = MacAddress.Parse("02:00:5e:51:00:99");
            int announced = sim["r1"].Addresses.AnnouncementCount;

            master.HearAnnouncement(address, master.AnnouncementMac);
            master.HearAnnouncement(PackedIPAddress.Parse("198.51.100.7"), other);
            sim["r2"].Router.HearAnnouncement(address, other);
            sim.RunFor(TimeSpan.FromSeconds(2));
            Assert.Equal(0, master.Statistics.ConflictingAnnouncements);
            Assert.Equal(0, sim["r2"].Router.Statistics.ConflictingAnnouncements);
            Assert.Equal(announced, sim["r1"].Addresses.AnnouncementCount);

            master.HearAnnouncement(address, other);
            sim.RunFor(TimeSpan.FromSeconds(2));
            Assert.Equal(1, master.Statistics.ConflictingAnnouncements);
            Assert.Equal(announced + 5, sim["r1"].Addresses.AnnouncementCount);
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void Ttl_254_is_counted_and_changes_nothing()
    {
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster();
        using (sim)
        {
            byte[] datagram = Advert(VrrpVersion.V3, 51, 254, 100, rogue.IPv4Address);
            datagram[8] = 254;
            datagram[10] = 0;
            datagram[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), InternetChecksum.Compute(datagram.AsSpan(0, 20)));
            Inject(sim, rogue, datagram);
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.IPTtl));
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void A_bad_checksum_and_a_wrong_version_and_a_short_packet_are_counted_by_reason()
    {
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster();
        using (sim)
        {
            byte[] badChecksum = Advert(VrrpVersion.V3, 51, 254, 100, rogue.IPv4Address);
            badChecksum[^1] ^= 0x01;
            Inject(sim, rogue, badChecksum);
            Inject(sim, rogue, Advert(VrrpVersion.V2, 51, 254, 1, rogue.IPv4Address));
            byte[] shortPacket = Advert(VrrpVersion.V3, 51, 254, 100, rogue.IPv4Address);
            shortPacket[20 + 3] = 9; // count 9, with one address present
            Inject(sim, rogue, shortPacket);

            VirtualRouter backup = sim["r2"].Router;
            Assert.Equal(1, backup.Statistics.Discarded(VrrpPacketStatus.Checksum));
            Assert.Equal(1, backup.Statistics.Discarded(VrrpPacketStatus.Version));
            Assert.Equal(1, backup.Statistics.Discarded(VrrpPacketStatus.PacketLength));
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void A_vrid_no_router_has_is_counted_by_the_transport()
    {
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster();
        using (sim)
        {
            Inject(sim, rogue, Advert(VrrpVersion.V3, 52, 254, 100, rogue.IPv4Address));
            Assert.Equal(0, sim["r2"].Router.Statistics.TotalDiscarded);
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void V2_interval_and_address_list_mismatches_are_dropped()
    {
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster(o =>
        {
            o.Version = VrrpVersion.V2;
            o.AdvertisementInterval = TimeSpan.FromSeconds(1);
        });
        using (sim)
        {
            Inject(sim, rogue, Advert(VrrpVersion.V2, 51, 254, 2, rogue.IPv4Address));
            Inject(sim, rogue, Advert(VrrpVersion.V2, 51, 254, 1, rogue.IPv4Address, address: "198.51.100.99"));
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.Interval));
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AddressList));
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void With_skip_check_adv_addr_only_the_master_last_heard_skips_the_address_list_check()
    {
        // Input: v2 routers with SkipCheckAdvertisedAddresses (keepalived's skip_check_adv_addr); r2 hears r1. An advert
        // with another address list comes "from r1" (the master r2 hears), then one from a stranger.
        // Expected: the first is not checked (no AddressList discard: it is taken as r1's advert); the second is still
        // discarded for its address list.
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster(o =>
        {
            o.Version = VrrpVersion.V2;
            o.AdvertisementInterval = TimeSpan.FromSeconds(1);
            o.SkipCheckAdvertisedAddresses = true;
        });
        using (sim)
        {
            Inject(sim, rogue, Advert(VrrpVersion.V2, 51, 100, 1, sim["r1"].Host.IPv4Address, address: "198.51.100.99"));
            Assert.Equal(0, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AddressList));

            Inject(sim, rogue, Advert(VrrpVersion.V2, 51, 254, 1, rogue.IPv4Address, address: "198.51.100.99"));
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AddressList));
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void A_wrong_password_is_an_authentication_failure()
    {
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster(o =>
        {
            o.Version = VrrpVersion.V2;
            o.AuthenticationType = VrrpAuthenticationType.SimplePassword;
            o.AuthenticationPassword = "labpass";
        });
        using (sim)
        {
            Inject(sim, rogue, Advert(VrrpVersion.V2, 51, 254, 1, rogue.IPv4Address, authentication: VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "guess")));
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AuthenticationFailure));
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void A_replayed_ah_sequence_number_is_dropped()
    {
        VrrpAuthentication ah = VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "labpass");
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster(o =>
        {
            o.Version = VrrpVersion.V2;
            o.AuthenticationType = VrrpAuthenticationType.IPAuthenticationHeader;
            o.AuthenticationPassword = "labpass";
        });
        using (sim)
        {
            // Capture one of the master's genuine adverts from the wire and replay it: same sequence number.
            byte[] genuine = Advert(VrrpVersion.V2, 51, 100, 1, sim["r1"].Host.IPv4Address, authentication: ah, sequence: 1);
            Inject(sim, rogue, genuine);
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AuthenticationReplay));
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void A_recording_of_a_dead_masters_ah_adverts_does_not_replay_but_a_restarted_master_is_heard()
    {
        // Input: r1 (100) and r2 (90) with AH; after 60 s, an advert r1 sent at sequence 50 is kept; r1 dies and r2
        // takes over; 5 s later the recording is replayed. Then r1's process restarts and sends with a fresh counter.
        // Expected: the replay is counted and r2 stays master (before: r1's history was forgotten after
        // Master_Down_Interval of silence, the replay was accepted and put r2 back in Backup, with no master at all);
        // the restarted r1, whose counter starts again at 1, is heard and r2 yields to it.
        VrrpAuthentication ah = VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "labpass");
        VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).ConfigureRouters(static o =>
        {
            o.Version = VrrpVersion.V2;
            o.AuthenticationType = VrrpAuthenticationType.IPAuthenticationHeader;
            o.AuthenticationPassword = "labpass";
        }).Build();
        using (sim)
        {
            InMemoryHost rogue = sim.Network.AddHost("rogue");
            sim.Start();
            sim.RunFor(TimeSpan.FromSeconds(60));
            byte[] recorded = Advert(VrrpVersion.V2, 51, 100, 1, sim["r1"].Host.IPv4Address, authentication: ah, sequence: 50);

            sim.Crash("r1");
            sim.RunFor(TimeSpan.FromSeconds(5));
            Assert.Equal(VrrpState.Master, sim["r2"].Router.State);

            Inject(sim, rogue, recorded);
            sim.RunFor(TimeSpan.FromSeconds(5));
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AuthenticationReplay));
            Assert.Equal(VrrpState.Master, sim["r2"].Router.State);

            // r1's process restarted: keepalived counts again from 1. Silent 10 s, its counter can be at most 22.
            byte[] restarted = Advert(VrrpVersion.V2, 51, 100, 1, sim["r1"].Host.IPv4Address, authentication: ah, sequence: 1);
            Inject(sim, rogue, restarted);
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AuthenticationReplay));
            Assert.Equal(VrrpState.Backup, sim["r2"].Router.State);
            Assert.Equal(sim["r1"].Host.IPv4Address, sim["r2"].Router.MasterAddress);
        }
    }

    [Fact]
    public void Unicast_adverts_from_a_source_that_is_not_a_peer_are_dropped()
    {
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster(o =>
        {
            o.UnicastPeers.Add("198.51.100.11");
            o.UnicastPeers.Add("198.51.100.12");
        });
        using (sim)
        {
            byte[] datagram = Advert(VrrpVersion.V3, 51, 254, 100, rogue.IPv4Address);
            Assert.True(rogue.GetTransport(AddressFamily.InterNetwork).Send(datagram, sim["r2"].Host.IPv4Address));
            sim.RunFor(TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.UnknownPeer));
            AssertUnchanged(sim);
        }
    }

    [Fact]
    public void A_flood_of_higher_priority_adverts_with_the_wrong_password_changes_nothing()
    {
        (VrrpSimulation sim, InMemoryHost rogue) = Cluster(o =>
        {
            o.Version = VrrpVersion.V2;
            o.AuthenticationType = VrrpAuthenticationType.SimplePassword;
            o.AuthenticationPassword = "labpass";
        });
        using (sim)
        {
            byte[] forged = Advert(VrrpVersion.V2, 51, 254, 1, rogue.IPv4Address, authentication: VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "guess"));
            for (int i = 0; i < 10_000; i++)
            {
                rogue.GetTransport(AddressFamily.InterNetwork).Send(forged, PackedIPAddress.Parse("224.0.0.18"));
                sim.RunFor(TimeSpan.FromMilliseconds(0.1));
            }

            Assert.Equal(10_000, sim["r2"].Router.Statistics.Discarded(VrrpPacketStatus.AuthenticationFailure));
            Assert.Equal(10_000, sim["r1"].Router.Statistics.Discarded(VrrpPacketStatus.AuthenticationFailure));
            AssertUnchanged(sim);
        }
    }
}
