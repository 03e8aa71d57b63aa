using System.Buffers.Binary;
using System.Text;
using Vrrp.Health;
using Vrrp.Linux.Links;
using Vrrp.Linux.Netlink;
using Vrrp.Testing;

namespace Vrrp.Linux.Tests.Links;

/// <summary>
/// keepalived's track_interface on the one link monitor: up means UP and RUNNING; a missing interface is down; the
/// state comes from netlink events, so a run reads memory only.
/// </summary>
public sealed class InterfaceLinkHealthCheckTests : IDisposable
{
    private readonly LinkMonitor _monitor = new();

    public void Dispose() => _monitor.Dispose();

    [Fact]
    public async Task On_this_host_loopback_is_up_and_a_made_up_name_is_missing()
    {
        using InterfaceLinkHealthCheck lo = _monitor.CreateInterfaceCheck("lo");
        using InterfaceLinkHealthCheck none = _monitor.CreateInterfaceCheck("vrrpnone0");

        Assert.True((await lo.CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
        VrrpCheckResult missing = await none.CheckAsync(TestContext.Current.CancellationToken);
        Assert.False(missing.IsHealthy);
        Assert.Equal("no interface vrrpnone0", missing.Description);
    }

    [Fact]
    public void CameUp_is_raised_once_each_time_the_link_comes_back_not_for_each_event_while_up()
    {
        // Input: a check's states as the monitor sets them: down, up, up (another RTM_NEWLINK while up), missing, up.
        // Expected: two CameUp: what puts a static route back runs once per return of the link.
        using InterfaceLinkHealthCheck check = _monitor.CreateInterfaceCheck("vrrpnone0");
        int raised = 0;
        check.CameUp += (_, _) => raised++;

        check.Set(LinkState.Down);
        check.Set(LinkState.Up);
        check.Set(LinkState.Up);
        Assert.Equal(1, raised);
        check.Set(LinkState.Missing);
        check.Set(LinkState.Up);
        Assert.Equal(2, raised);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("..")]
    [InlineData("a-name-too-long-for-linux")]
    public void A_path_or_an_overlong_name_is_not_an_interface_name(string name) => Assert.Throws<ArgumentException>(() => _monitor.CreateInterfaceCheck(name));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_name_is_read_from_IFLA_IFNAME_after_other_attributes(bool nested)
    {
        // Input: an RTM_NEWLINK payload: ifinfomsg, an IFLA_MTU attribute, then IFLA_IFNAME "trk0" (NUL-terminated,
        // padded to 4), with the NLA_F_NESTED bit set on the name's type or not.
        // Expected: the name is "trk0".
        byte[] payload = LinkPayload("trk0", nested);

        Assert.True(LinkMonitor.TryReadName(payload, out ReadOnlySpan<byte> name));
        Assert.Equal("trk0", Encoding.ASCII.GetString(name));
    }

    [Fact]
    public void A_bridge_port_event_says_nothing_of_the_link()
    {
        // Input: RTM_DELLINK (17) for index 5 with ifi_family AF_BRIDGE (7), as the kernel sends when a port leaves a
        // bridge; then the same with AF_UNSPEC.
        // Expected: the bridge's event is not a link event (the port stays up); the AF_UNSPEC one is, and says down.
        byte[] payload = LinkPayload("trk0", nested: false);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), 5);
        payload[0] = 7;
        Assert.False(LinkMonitor.TryReadLink(17, payload, out _, out _));

        payload[0] = 0;
        Assert.True(LinkMonitor.TryReadLink(17, payload, out int index, out bool up));
        Assert.Equal(5, index);
        Assert.False(up);
    }

    [Fact]
    public void A_truncated_attribute_gives_no_name()
    {
        byte[] payload = LinkPayload("trk0", nested: false);
        Assert.False(LinkMonitor.TryReadName(payload.AsSpan(0, payload.Length - 6), out _));
        Assert.False(LinkMonitor.TryReadName(payload.AsSpan(0, 10), out _));
    }

    [Fact]
    public async Task Loopback_checked_every_100_ms_like_track_interface_allocates_zero_bytes_after_warm_up()
    {
        // Input: vrrpd's track_interface check (scheduled every 100 ms) on loopback and on a missing interface, virtual clock.
        // Expected: 10,000 runs each, healthy and failing, and 0 bytes allocated on this thread while they run.
        await AssertInterfaceChecksAllocateNothingAsync(_monitor.CreateInterfaceCheck("lo"), healthy: true);
        await AssertInterfaceChecksAllocateNothingAsync(_monitor.CreateInterfaceCheck("vrrpnone0"), healthy: false);
    }

    private static byte[] LinkPayload(string name, bool nested)
    {
        var payload = new List<byte>(new byte[16]); // ifinfomsg
        byte[] mtu = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(mtu, 8);
        BinaryPrimitives.WriteUInt16LittleEndian(mtu.AsSpan(2), 4); // IFLA_MTU
        BinaryPrimitives.WriteUInt32LittleEndian(mtu.AsSpan(4), 1500);
        payload.AddRange(mtu);
        byte[] text = Encoding.ASCII.GetBytes(name + "\0");
        byte[] attribute = new byte[(4 + text.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(4 + text.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), (ushort)(3 | (nested ? 0x8000 : 0))); // IFLA_IFNAME
        text.CopyTo(attribute, 4);
        payload.AddRange(attribute);
        return [.. payload];
    }

    private static async Task AssertInterfaceChecksAllocateNothingAsync(InterfaceLinkHealthCheck check, bool healthy)
    {
        using (check)
        {
            var clock = new VirtualClock();
            await using var scheduled = new ScheduledHealthCheck(new ScheduledCheckOptions { Name = check.InterfaceName, Interval = TimeSpan.FromMilliseconds(100) }, check, clock);
            scheduled.Start();
            clock.Advance(TimeSpan.FromSeconds(10)); // warm-up
            long runsBefore = scheduled.RunCount;

            long before = GC.GetAllocatedBytesForCurrentThread();
            clock.Advance(TimeSpan.FromSeconds(1000));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(10_000, scheduled.RunCount - runsBefore);
            Assert.Equal(healthy, scheduled.IsHealthy);
            Assert.Equal(healthy, scheduled.LastResult.IsHealthy);
            Assert.Equal(0, allocated);
        }
    }
}
