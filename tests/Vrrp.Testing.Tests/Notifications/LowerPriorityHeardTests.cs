using System.Net.Sockets;
using Vrrp.Notifications;
using Vrrp.Packets;

namespace Vrrp.Testing.Tests.Notifications;

/// <summary>A master that hears a lower priority tells its listeners (keepalived's notify_master_rx_lower_pri), once per interval, off its loop.</summary>
public sealed class LowerPriorityHeardTests
{
    [Fact]
    public async Task The_event_and_the_dispatcher_s_recorders_and_hooks_hear_each_answered_lower_priority()
    {
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        InMemoryHost rogue = sim.Network.AddHost("rogue");
        VirtualRouter router = sim["r1"].Router;
        var heard = new List<LowerPriorityAdvert>();
        router.LowerPriorityHeard += (_, advert) => heard.Add(advert);
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        var hooked = new List<byte>();
        dispatcher.AddLowerPriorityHook("record", (_, advert, _) => { lock (hooked) { hooked.Add(advert.Priority); } return default; });
        var recorder = new Recorder();
        dispatcher.AddRecorder(recorder);
        dispatcher.Attach(router);
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));

        for (int i = 0; i < 5; i++)
        {
            Assert.True(rogue.GetTransport(AddressFamily.InterNetwork).Send(Advert(rogue.IPv4Address, 40), PackedIPAddress.Parse("224.0.0.18")));
            sim.RunFor(TimeSpan.FromMilliseconds(1));
        }

        LowerPriorityAdvert advert = Assert.Single(heard);
        Assert.Equal((rogue.IPv4Address, (byte)40, (byte)100), (advert.Source, advert.Priority, advert.OurPriority));
        Assert.Equal(["r1"], recorder.Heard);
        Assert.True(SpinWait.SpinUntil(() => { lock (hooked) { return hooked.Count == 1; } }, TimeSpan.FromSeconds(10)));
    }

    private static byte[] Advert(PackedIPAddress source, byte priority)
    {
        byte[] list = new byte[4];
        PackedIPAddress.Parse("198.51.100.100").WriteTo(list);
        var packet = new VrrpPacket(VrrpVersion.V3, 51, priority, 100, AddressFamily.InterNetwork, list);
        byte[] buffer = new byte[128];
        Assert.True(VrrpDatagram.TryWriteIPv4(buffer, packet, source, PackedIPAddress.Parse("224.0.0.18"), 1, VrrpChecksumForm.PseudoHeader, null, 1, out int length));
        return buffer[..length];
    }

    private sealed class Recorder : IVrrpChangeRecorder
    {
        public List<string> Heard { get; } = [];

        public void Record(VrrpChangeSource source, in StateChange change)
        {
        }

        public void RecordRunning(VrrpChangeSource source, Protocol.VrrpState state, int priority)
        {
        }

        public void RecordLowerPriorityHeard(VrrpChangeSource source, in LowerPriorityAdvert advert) => Heard.Add(source.Name);
    }
}
