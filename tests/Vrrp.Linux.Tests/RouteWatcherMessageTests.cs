using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tmds.Linux;
using Vrrp.Linux.Netlink;
using Vrrp.Packets;
using Vrrp.Routing;

namespace Vrrp.Linux.Tests;

/// <summary>
/// What the route watcher reads of the kernel's RTM_DELROUTE and RTM_DELRULE: ours (protocol 118) only, and enough to
/// tell which held route or rule it was. The messages are the ones vrrpd writes, as the kernel echoes them.
/// </summary>
public sealed class RouteWatcherMessageTests
{
    [Theory]
    [InlineData("203.0.113.0/24 via 198.51.100.1 dev lab0 table 100", 100u)]
    [InlineData("2001:db8:51:1::/64 via 2001:db8:51::1 table 1000", 1000u)]
    [InlineData("blackhole 203.0.114.0/24", 254u)]
    public void A_deleted_route_of_ours_is_read_with_its_destination_prefix_and_table(string text, uint table)
    {
        VirtualRoute route = VirtualRoute.Parse(text);
        byte[] message = new byte[512];
        int length = NetlinkRouteMessage.WriteRoute(message, NetlinkRouteMessage.RTM_DELROUTE, 1, route, 3);

        Assert.True(NetlinkRouteMessage.TryReadDeletedRoute(NetlinkRouteMessage.RTM_DELROUTE, message.AsSpan(16, length - 16), out AddressFamily family, out PackedIPAddress destination, out byte prefixLength, out uint readTable));
        Assert.Equal((route.Family, route.Destination, route.PrefixLength, table), (family, destination, prefixLength, readTable));
    }

    [Fact]
    public void Another_protocol_s_route_an_added_route_and_a_short_message_are_not_read()
    {
        VirtualRoute route = VirtualRoute.Parse("203.0.113.0/24 dev lab0");
        byte[] message = new byte[512];
        int length = NetlinkRouteMessage.WriteRoute(message, NetlinkRouteMessage.RTM_DELROUTE, 1, route, 3);
        message[16 + 5] = 4; // RTPROT_STATIC: an administrator's

        Assert.False(NetlinkRouteMessage.TryReadDeletedRoute(NetlinkRouteMessage.RTM_DELROUTE, message.AsSpan(16, length - 16), out _, out _, out _, out _));
        message[16 + 5] = 118;
        Assert.False(NetlinkRouteMessage.TryReadDeletedRoute(NetlinkRouteMessage.RTM_NEWROUTE, message.AsSpan(16, length - 16), out _, out _, out _, out _));
        Assert.False(NetlinkRouteMessage.TryReadDeletedRoute(NetlinkRouteMessage.RTM_DELROUTE, message.AsSpan(16, 8), out _, out _, out _, out _));
    }

    [Fact]
    public void A_deleted_rule_is_read_as_ours_only_with_our_protocol()
    {
        VirtualRule rule = VirtualRule.Parse("from 198.51.100.100 table 100 priority 100");
        byte[] message = new byte[512];
        int length = NetlinkRouteMessage.WriteRule(message, NetlinkRouteMessage.RTM_DELRULE, 1, rule);

        Assert.True(NetlinkRouteMessage.TryReadDeletedRule(NetlinkRouteMessage.RTM_DELRULE, message.AsSpan(16, length - 16), out AddressFamily family, out uint? priority));
        Assert.Equal((AddressFamily.InterNetwork, (uint?)100), (family, priority));

        message[length - 4] = 4; // FRA_PROTOCOL, the last attribute's value: an administrator's
        Assert.False(NetlinkRouteMessage.TryReadDeletedRule(NetlinkRouteMessage.RTM_DELRULE, message.AsSpan(16, length - 16), out _, out _));
    }

    [Fact]
    public void The_kernel_filter_passes_our_deleted_routes_and_keeps_every_other_route_event_out()
    {
        // Input: in a lab namespace, a route watcher; 200 routes of another protocol (static) added and deleted, then
        // one of ours (118) added and deleted. Before the filter, the watcher's thread woke for all 402 events (a
        // router running BGP makes hundreds of thousands: 150 ms of vrrpd's CPU for 40000 in eng's measure, 0 to 10
        // ms with it). Expected: the filter attached; one message read, our deletion, and the handler called for it.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        var deleted = new List<(AddressFamily, PackedIPAddress, byte, uint)>();
        RouteWatcher? watcher = null;
        var thread = new Thread(() =>
        {
            // setns(2) moves only this thread: the watcher's socket belongs to the lab.
            using SafeHandle ns = File.OpenHandle($"/run/netns/{lab.Namespace("n1")}");
            if (LibC.setns((int)ns.DangerousGetHandle(), LibC.CLONE_NEWNET) == 0)
            {
                watcher = new RouteWatcher((f, d, p, t) => { lock (deleted) { deleted.Add((f, d, p, t)); } }, (_, _) => { }, () => { });
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
        Assert.NotNull(watcher);
        using (watcher)
        {
            Assert.True(watcher.FilterAttached);
            string batch = Path.Combine(Path.GetTempPath(), lab.Namespace("batch"));
            File.WriteAllLines(batch, [
                .. Enumerable.Range(1, 200).Select(i => $"route add 2001:db8:51::1:{i:x}/128 dev lab0 proto static"),
                .. Enumerable.Range(1, 200).Select(i => $"route del 2001:db8:51::1:{i:x}/128 dev lab0 proto static"),
                "route add 2001:db8:51::2:0/112 dev lab0 proto 118",
                "route del 2001:db8:51::2:0/112 dev lab0 proto 118"]);
            try
            {
                lab.Exec("n1", $"ip -batch {batch}");
            }
            finally
            {
                File.Delete(batch);
            }

            // Our deletion is the batch's last event, and netlink keeps their order: once it is here, all are.
            Assert.True(NetnsLab.WaitUntil(() => { lock (deleted) { return deleted.Count > 0; } }));
            lock (deleted)
            {
                Assert.Equal([(AddressFamily.InterNetworkV6, PackedIPAddress.Parse("2001:db8:51::2:0"), (byte)112, 254u)], deleted);
            }

            Assert.Equal(1, watcher.MessagesRead); // 402 without the filter
        }
    }
}
