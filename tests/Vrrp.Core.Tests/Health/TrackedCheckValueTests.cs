using Vrrp.Health;

namespace Vrrp.Tests.Health;

/// <summary>keepalived's track_file arithmetic in TrackedCheck.SetValue: value × weight, at most 253, below −253 a Fault; weight 0: non-zero is a Fault.</summary>
public sealed class TrackedCheckValueTests
{
    [Theory]
    [InlineData(1, 0, 0, false)]
    [InlineData(1, 40, 40, false)]
    [InlineData(1, -253, -253, false)]
    [InlineData(1, -254, 0, true)]
    [InlineData(-1, 253, -253, false)]
    [InlineData(-1, 254, 0, true)]
    [InlineData(2, 200, 253, false)]
    [InlineData(-5, -4, 20, false)]
    [InlineData(0, 0, 0, false)]
    [InlineData(0, 7, 0, true)]
    [InlineData(0, -1, 0, true)]
    [InlineData(100, 3_000_000_000, 253, false)]
    public void SetValue_moves_the_priority_by_value_times_weight(int weight, long value, int expectedDelta, bool expectedFault)
    {
        var check = new TrackedCheck("file", weight);
        check.SetValue(value);

        Assert.Equal(expectedDelta, check.PriorityDelta);
        Assert.Equal(expectedFault, check.CausesFault);
        Assert.Equal(!expectedFault, check.IsHealthy);
        Assert.Equal(value, check.Value);
    }

    [Fact]
    public void Changed_is_raised_only_when_the_delta_or_the_fault_changes()
    {
        var check = new TrackedCheck("file", 0);
        int changes = 0;
        check.Changed += (_, _) => changes++;

        check.SetValue(0);   // first value: a change of mode
        check.SetValue(0);
        check.SetValue(5);   // Fault
        check.SetValue(9);   // still Fault
        check.SetHealthy(true); // back to healthy/failing reports

        Assert.Equal(3, changes);
        Assert.Null(check.Value);
        Assert.False(check.CausesFault);
    }

    [Fact]
    public void A_router_follows_a_value_tracked_check()
    {
        var check = new TrackedCheck("file", -1);
        var options = new VirtualRouterOptions { VirtualRouterId = 51, Priority = 100, Interface = "lab0" };
        options.VirtualAddresses.Add("198.51.100.100/24");
        options.TrackedChecks.Add(check);
        using var router = new VirtualRouter(options, new NullTransport(), NullAddresses.Instance, NullAddresses.Instance, new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        router.Start();

        check.SetValue(30);
        Assert.Equal(70, router.Priority);
        check.SetValue(500);
        Assert.Equal(Vrrp.Protocol.VrrpState.Fault, router.State);
        check.SetValue(0);
        Assert.Equal(100, router.Priority);
        Assert.NotEqual(Vrrp.Protocol.VrrpState.Fault, router.State);
    }

    private sealed class NullTransport : Vrrp.Transport.IVrrpTransport
    {
        public System.Net.Sockets.AddressFamily Family => System.Net.Sockets.AddressFamily.InterNetwork;

        public Vrrp.Packets.PackedIPAddress PrimaryAddress { get; } = Vrrp.Packets.PackedIPAddress.Parse("198.51.100.1");

        public Vrrp.Packets.MacAddress InterfaceMac => default;

        public void Register(byte virtualRouterId, Vrrp.Transport.IAdvertisementReceiver receiver)
        {
        }

        public void Unregister(byte virtualRouterId, Vrrp.Transport.IAdvertisementReceiver receiver)
        {
        }

        public bool Send(ReadOnlySpan<byte> packet, Vrrp.Packets.PackedIPAddress destination) => true;
    }

    private sealed class NullAddresses : Vrrp.Addressing.IVirtualAddressManager, Vrrp.Addressing.IAddressAnnouncer
    {
        public static readonly NullAddresses Instance = new();

        public void AddAddresses(VirtualRouter router, IReadOnlyList<Vrrp.Addressing.VirtualAddress> addresses)
        {
        }

        public void RemoveAddresses(VirtualRouter router, IReadOnlyList<Vrrp.Addressing.VirtualAddress> addresses)
        {
        }

        public void Announce(VirtualRouter router, int repeat)
        {
        }
    }
}
