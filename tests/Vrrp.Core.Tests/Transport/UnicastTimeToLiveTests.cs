using Microsoft.Extensions.Time.Testing;
using Vrrp.Addressing;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Tests.Transport;

/// <summary>
/// keepalived's <c>unicast_ttl</c>: the TTL of IPv4 unicast adverts (<see cref="VirtualRouterOptions.UnicastTimeToLive"/>).
/// Before: read with a warning and dropped; every advert carried 255.
/// </summary>
public sealed class UnicastTimeToLiveTests
{
    [Theory]
    [InlineData(new[] { "198.51.100.2", "198.51.100.3" }, 64, 64)]
    [InlineData(new[] { "198.51.100.2" }, 0, 0)]
    [InlineData(new string[0], 64, 255)] // multicast adverts keep the RFC's 255 whatever is set
    public void Adverts_carry_the_unicast_ttl_to_every_peer_and_255_to_the_group(string[] peers, int unicastTtl, int expectedTtl)
    {
        var options = new VirtualRouterOptions { VirtualRouterId = 51, Priority = 255, Owner = true, Interface = "lab0", UnicastTimeToLive = unicastTtl, AdvertisementInterval = TimeSpan.FromSeconds(1) };
        options.VirtualAddresses.Add("198.51.100.100/24");
        foreach (string peer in peers)
        {
            options.UnicastPeers.Add(peer);
        }

        var transport = new RecordingTransport();
        var time = new FakeTimeProvider();
        using var router = new VirtualRouter(options, transport, NullAddresses.Instance, NullAddresses.Instance, time);
        router.Start(); // the owner: master at once, one advert
        for (int second = 0; second < 3; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1)); // more, from the datagram written once (a single destination) or anew
        }

        Assert.True(transport.Sent.Count >= 2 * Math.Max(1, peers.Length), $"{transport.Sent.Count} sent");
        Assert.All(transport.Sent, datagram =>
        {
            Assert.Equal(expectedTtl, datagram[8]); // the IPv4 header's TTL
            Assert.True(IPv4Header.VerifyHeaderChecksum(datagram));
        });
    }

    [Fact]
    public void Changing_the_peers_at_run_time_changes_the_ttl_with_the_mode()
    {
        // Found by review: the TTL was fixed when the router was made, so SetUnicastPeers([]) left multicast adverts
        // with the unicast TTL (dropped by every receiver), and the other way round ignored UnicastTimeToLive.
        var options = new VirtualRouterOptions { VirtualRouterId = 51, Priority = 255, Owner = true, Interface = "lab0", UnicastTimeToLive = 7, AdvertisementInterval = TimeSpan.FromSeconds(1) };
        options.VirtualAddresses.Add("198.51.100.100/24");
        options.UnicastPeers.Add("198.51.100.2");
        var transport = new RecordingTransport();
        var time = new FakeTimeProvider();
        using var router = new VirtualRouter(options, transport, NullAddresses.Instance, NullAddresses.Instance, time);
        router.Start();
        Assert.Equal(7, transport.Sent[^1][8]);

        router.SetUnicastPeers([]);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(255, transport.Sent[^1][8]);

        router.SetUnicastPeers(["198.51.100.3"]);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(7, transport.Sent[^1][8]);
    }

    [Fact]
    public void A_ttl_outside_0_to_255_is_refused_naming_the_field()
    {
        var options = new VirtualRouterOptions { VirtualRouterId = 51, Priority = 100, Interface = "lab0", UnicastTimeToLive = 256 };
        options.VirtualAddresses.Add("198.51.100.100/24");
        Assert.Contains(options.Validate(), e => e.Contains("UnicastTimeToLive must be 0 to 255", StringComparison.Ordinal));
    }

    private sealed class RecordingTransport : IVrrpTransport
    {
        public List<byte[]> Sent { get; } = [];

        public System.Net.Sockets.AddressFamily Family => System.Net.Sockets.AddressFamily.InterNetwork;

        public PackedIPAddress PrimaryAddress { get; } = PackedIPAddress.Parse("198.51.100.1");

        public MacAddress InterfaceMac => default;

        public void Register(byte virtualRouterId, IAdvertisementReceiver receiver)
        {
        }

        public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver)
        {
        }

        public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination)
        {
            Sent.Add(packet.ToArray());
            return true;
        }
    }

    private sealed class NullAddresses : IVirtualAddressManager, IAddressAnnouncer
    {
        public static readonly NullAddresses Instance = new();

        public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
        {
        }

        public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
        {
        }

        public void Announce(VirtualRouter router, int repeat)
        {
        }
    }
}
