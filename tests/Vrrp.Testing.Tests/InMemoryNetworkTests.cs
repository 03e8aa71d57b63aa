using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Testing.Tests;

/// <summary>The simulated segment: delivery, impairments that replay from a seed, partitions, the frame log.</summary>
public sealed class InMemoryNetworkTests
{
    private static readonly PackedIPAddress s_group = PackedIPAddress.Parse("224.0.0.18");

    private sealed class Collector : IAdvertisementReceiver
    {
        public List<(DateTimeOffset Time, byte Marker)> Received { get; } = [];

        public TimeProvider? Clock { get; set; }

        public void Receive(ReadOnlySpan<byte> packet, in PacketMetadata metadata) => Received.Add((Clock!.GetUtcNow(), packet[^1]));
    }

    private static (VirtualClock Clock, InMemoryNetwork Network, InMemoryHost A, InMemoryHost B, Collector AtB) Segment(int seed = 1)
    {
        var clock = new VirtualClock();
        var network = new InMemoryNetwork(clock, seed);
        InMemoryHost a = network.AddHost("a");
        InMemoryHost b = network.AddHost("b");
        var collector = new Collector { Clock = clock };
        b.GetTransport(AddressFamily.InterNetwork).Register(51, collector);
        return (clock, network, a, b, collector);
    }

    // A minimal IPv4 "packet" with VRID 51 at offset 21, and a marker in its last byte.
    private static byte[] Packet(byte marker)
    {
        byte[] packet = new byte[32];
        packet[0] = 0x45;
        packet[21] = 51;
        packet[^1] = marker;
        return packet;
    }

    [Fact]
    public void A_frame_sent_with_no_delay_arrives_after_the_sending_callback_at_the_same_instant()
    {
        (VirtualClock clock, InMemoryNetwork network, InMemoryHost a, _, Collector atB) = Segment();
        using (network)
        {
            a.GetTransport(AddressFamily.InterNetwork).Send(Packet(1), s_group);
            Assert.Empty(atB.Received);
            clock.Advance(TimeSpan.Zero);
            Assert.Equal([(clock.Start, (byte)1)], atB.Received);
        }
    }

    [Fact]
    public void Delay_holds_a_frame_for_exactly_that_long()
    {
        (VirtualClock clock, InMemoryNetwork network, InMemoryHost a, InMemoryHost b, Collector atB) = Segment();
        using (network)
        {
            network.SetConditions(a, b, new LinkConditions { Delay = TimeSpan.FromMilliseconds(25) });
            a.GetTransport(AddressFamily.InterNetwork).Send(Packet(1), s_group);
            clock.Advance(TimeSpan.FromMilliseconds(24));
            Assert.Empty(atB.Received);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(clock.Start + TimeSpan.FromMilliseconds(25), Assert.Single(atB.Received).Time);
        }
    }

    [Fact]
    public void Loss_duplication_and_jitter_replay_identically_from_the_same_seed_and_differ_with_another()
    {
        static List<(DateTimeOffset, byte)> Run(int seed)
        {
            (VirtualClock clock, InMemoryNetwork network, InMemoryHost a, InMemoryHost b, Collector atB) = Segment(seed);
            using (network)
            {
                network.SetConditions(a, b, new LinkConditions { Loss = 0.2, Duplication = 0.2, Jitter = TimeSpan.FromMilliseconds(30) });
                for (byte i = 0; i < 200; i++)
                {
                    a.GetTransport(AddressFamily.InterNetwork).Send(Packet(i), s_group);
                    clock.Advance(TimeSpan.FromMilliseconds(10));
                }

                clock.Advance(TimeSpan.FromSeconds(1));
                return atB.Received;
            }
        }

        List<(DateTimeOffset Time, byte Marker)> first = Run(7);
        Assert.Equal(first, Run(7));
        Assert.NotEqual(first, Run(8));

        // Loss: about 20 % of 200 frames never arrive. Duplication: some markers arrive twice. Jitter: some overtake.
        int distinct = first.Select(r => r.Marker).Distinct().Count();
        Assert.InRange(distinct, 130, 185);
        Assert.True(first.Count > distinct, "some frames should be duplicated");
        Assert.Contains(first.Zip(first.Skip(1)), p => p.Second.Marker < p.First.Marker);
    }

    [Fact]
    public void A_partition_drops_frames_between_groups_and_the_log_says_so_and_heal_restores_delivery()
    {
        (VirtualClock clock, InMemoryNetwork network, InMemoryHost a, InMemoryHost b, Collector atB) = Segment();
        using (network)
        {
            network.Partition([a], [b]);
            a.GetTransport(AddressFamily.InterNetwork).Send(Packet(1), s_group);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Empty(atB.Received);

            network.Heal();
            a.GetTransport(AddressFamily.InterNetwork).Send(Packet(2), s_group);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(2, Assert.Single(atB.Received).Marker);

            FrameRecord[] log = network.GetFrameLog();
            Assert.Equal([FrameOutcome.Partitioned, FrameOutcome.Delivered], log.Select(f => f.Outcome));
            Assert.All(log, f => Assert.Equal(("a", "b", (byte)51), (f.From, f.To, f.VirtualRouterId)));
        }
    }

    [Fact]
    public void A_disconnected_host_neither_sends_nor_receives()
    {
        (VirtualClock clock, InMemoryNetwork network, InMemoryHost a, InMemoryHost b, Collector atB) = Segment();
        using (network)
        {
            network.SetConnected(b, false);
            Assert.True(a.GetTransport(AddressFamily.InterNetwork).Send(Packet(1), s_group));
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Empty(atB.Received);
            Assert.False(b.GetTransport(AddressFamily.InterNetwork).Send(Packet(2), s_group));
        }
    }

    [Fact]
    public void Unicast_reaches_only_its_destination()
    {
        (VirtualClock clock, InMemoryNetwork network, InMemoryHost a, InMemoryHost b, Collector atB) = Segment();
        using (network)
        {
            InMemoryHost c = network.AddHost("c");
            var atC = new Collector { Clock = clock };
            c.GetTransport(AddressFamily.InterNetwork).Register(51, atC);
            a.GetTransport(AddressFamily.InterNetwork).Send(Packet(1), c.IPv4Address);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Empty(atB.Received);
            Assert.Single(atC.Received);
        }
    }

    [Fact]
    public void Two_hundred_and_fifty_five_vrids_in_both_families_share_one_transport_per_family()
    {
        // Input: two nodes, every VRID 1..255 for IPv4 and 1..20 for IPv6 on the same hosts. Expected: one master per VRID, the 100 node.
        using VrrpSimulation v4 = VrrpSimulation.CreateBuilder().WithVirtualRouterIds(Enumerable.Range(1, 255).Select(i => (byte)i).ToArray()).AddNodes(100, 90).Build();
        v4.Start();
        v4.RunFor(TimeSpan.FromSeconds(10));
        for (int vrid = 1; vrid <= 255; vrid++)
        {
            Assert.Equal("r1", v4.AssertExactlyOneMaster((byte)vrid).Name);
        }

        using VrrpSimulation v6 = VrrpSimulation.CreateBuilder().UseIPv6().WithVirtualRouterIds(Enumerable.Range(1, 20).Select(i => (byte)i).ToArray()).AddNodes(100, 90).Build();
        v6.Start();
        v6.RunFor(TimeSpan.FromSeconds(10));
        for (int vrid = 1; vrid <= 20; vrid++)
        {
            Assert.Equal("r1", v6.AssertExactlyOneMaster((byte)vrid).Name);
        }

        Assert.Equal(0, v4["r2"].Routers.Sum(r => r.Statistics.TotalDiscarded));
    }
}
