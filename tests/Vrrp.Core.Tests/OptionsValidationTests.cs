using Vrrp.Packets;

namespace Vrrp.Tests;

/// <summary>Bad configuration fails at start with a message that names the field and the allowed range.</summary>
public sealed class OptionsValidationTests
{
    private static VirtualRouterOptions Valid()
    {
        var options = new VirtualRouterOptions { Name = "VI_51", VirtualRouterId = 51, Priority = 100 };
        options.VirtualAddresses.Add("198.51.100.100/24");
        return options;
    }

    private static string SingleError(Action<VirtualRouterOptions> change)
    {
        VirtualRouterOptions options = Valid();
        change(options);
        return Assert.Single(options.Validate());
    }

    [Fact]
    public void Valid_options_have_no_error() => Assert.Empty(Valid().Validate());

    [Fact]
    public void A_VRRPv3_router_without_addresses_is_valid_for_leader_election()
    {
        VirtualRouterOptions options = Valid();
        options.VirtualAddresses.Clear();
        options.UnicastPeers.Add("192.0.2.2");
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    public void VirtualRouterId_outside_1_to_255(int vrid) =>
        Assert.Equal($"VI_51: VirtualRouterId must be 1 to 255; got {vrid}.", SingleError(o => o.VirtualRouterId = vrid));

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    public void Priority_outside_1_to_254_for_a_non_owner(int priority) =>
        Assert.Equal($"VI_51: Priority must be 1 to 254 (255 only with Owner = true); got {priority}.", SingleError(o => o.Priority = priority));

    [Fact]
    public void An_owner_must_have_priority_255() =>
        Assert.Equal("VI_51: Priority must be 255 for an owner; got 100.", SingleError(o => o.Owner = true));

    [Theory]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(40960)]
    public void V3_interval_outside_10_ms_to_40_95_s_in_10_ms_steps(int milliseconds) =>
        Assert.Equal($"VI_51: AdvertisementInterval must be 10 ms to 40.95 s in 10 ms steps for VRRPv3; got {milliseconds} ms.", SingleError(o => o.AdvertisementInterval = TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(500)]
    [InlineData(256000)]
    [InlineData(1500)]
    public void V2_interval_outside_1_to_255_whole_seconds(int milliseconds) =>
        Assert.Equal($"VI_51: AdvertisementInterval must be 1 to 255 whole seconds for VRRPv2; got {milliseconds / 1000.0} s.", SingleError(o =>
        {
            o.Version = VrrpVersion.V2;
            o.AdvertisementInterval = TimeSpan.FromMilliseconds(milliseconds);
        }));

    [Fact]
    public void Password_longer_than_8_bytes() =>
        Assert.Equal("VI_51: AuthenticationPassword must be 1 to 8 bytes; got 9.", SingleError(o =>
        {
            o.Version = VrrpVersion.V2;
            o.AuthenticationType = VrrpAuthenticationType.SimplePassword;
            o.AuthenticationPassword = "ninebytes";
        }));

    [Fact]
    public void Authentication_with_VRRPv3() =>
        Assert.Contains("AuthenticationType must be None for VRRPv3", SingleError(o =>
        {
            o.AuthenticationType = VrrpAuthenticationType.SimplePassword;
            o.AuthenticationPassword = "labpass";
        }), StringComparison.Ordinal);

    [Fact]
    public void Addresses_of_two_families() =>
        Assert.Equal("VI_51: VirtualAddresses[1] must be of one family with VirtualAddresses[0] (InterNetwork); got 'fe80::1'.", SingleError(o => o.VirtualAddresses.Add("fe80::1")));

    [Fact]
    public void IPv6_list_not_starting_with_a_link_local_address_when_the_RFC_form_is_required() =>
        Assert.Equal("VI_51: VirtualAddresses[0] must be an IPv6 link-local address (fe80::/10) when the addresses are IPv6 (RFC 9568 §5.2.9); got '2001:db8:51::1/64'.", SingleError(o =>
        {
            o.VirtualAddresses.Clear();
            o.VirtualAddresses.Add("2001:db8:51::1/64");
            o.RequireIPv6LinkLocalFirst = true;
        }));

    [Fact]
    public void An_IPv6_list_of_global_addresses_alone_is_valid_as_keepalived_runs_it()
    {
        // Before: refused, though keepalived runs it and nearly every real IPv6 configuration looks like it.
        var options = new VirtualRouterOptions { Name = "VI_51", Interface = "eth0", VirtualRouterId = 51, Version = Vrrp.Packets.VrrpVersion.V3 };
        options.VirtualAddresses.Add("2001:db8:51::1/64");
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void No_address_runs_for_VRRPv2_too_as_keepalived_runs_it()
    {
        // Before: refused ("1 to 255 addresses for VRRPv2"), so vrrpd did not start where keepalived warns and runs.
        var options = new VirtualRouterOptions { Name = "VI_51", Interface = "eth0", VirtualRouterId = 51, Version = VrrpVersion.V2 };
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void A_malformed_address_names_its_index() =>
        Assert.Equal("VI_51: VirtualAddresses[1] '198.51.100.300' must be an IP address with an optional /prefix (0 to 32 for IPv4, 0 to 128 for IPv6), then any of dev IF, label L, scope S, brd B, peer P, preferred_lft N|forever, noprefixroute, home, mngtmpaddr, autojoin, -nodad and no_track.", SingleError(o => o.VirtualAddresses.Add("198.51.100.300")));

    [Fact]
    public void A_bad_address_option_names_the_entry_and_what_is_allowed() =>
        Assert.Equal("VI_51: VirtualAddresses[1] '198.51.100.30/24 scope far' has scope 'far': global, site, link, host, nowhere or 0 to 255.", SingleError(o => o.VirtualAddresses.Add("198.51.100.30/24 scope far")));

    [Fact]
    public void Every_error_is_listed_at_once_and_the_router_refuses_to_start()
    {
        VirtualRouterOptions options = Valid();
        options.VirtualRouterId = 0;
        options.Priority = 300;
        options.DownTimerAdverts = 0;
        options.GarpMasterRepeat = 300;
        Assert.Equal(4, options.Validate().Count);
        Assert.Contains("DownTimerAdverts must be 1 to 100; got 0.", string.Join("\n", options.Validate()), StringComparison.Ordinal);
        Assert.Contains("GarpMasterRepeat must be 0 to 255; got 300.", string.Join("\n", options.Validate()), StringComparison.Ordinal);
    }
}
