using FsCheck.Xunit;
using Vrrp.Addressing;
using Vrrp.Packets;

namespace Vrrp.Core.Tests.Addressing;

/// <summary>An address entry's dev, label, scope, brd and no_track, written as keepalived writes them.</summary>
public sealed class AddressPlacementTests
{
    [Fact]
    public void An_address_alone_has_the_default_placement()
    {
        Assert.True(AddressPlacement.TryParse("198.51.100.10/24", out VirtualAddress address, out AddressPlacement placement, out string? error), error);

        Assert.Equal(VirtualAddress.Parse("198.51.100.10/24"), address);
        Assert.Same(AddressPlacement.Default, placement);
        Assert.Equal(string.Empty, placement.ToString());
    }

    [Fact]
    public void Every_option_is_read()
    {
        (VirtualAddress address, AddressPlacement placement) = AddressPlacement.Parse("198.51.100.10/24 dev side0 label side0:web scope link brd 198.51.100.255 no_track");

        Assert.Equal(VirtualAddress.Parse("198.51.100.10/24"), address);
        Assert.Equal("side0", placement.Device);
        Assert.Equal("side0:web", placement.Label);
        Assert.Equal(AddressScope.Link, placement.Scope);
        Assert.Equal(PackedIPAddress.Parse("198.51.100.255"), placement.Broadcast);
        Assert.True(placement.NoTrack);
        Assert.Equal("dev side0 label side0:web scope link brd 198.51.100.255 no_track", placement.ToString());
    }

    [Fact]
    public void Peer_lifetime_and_the_flags_are_read_and_written_back()
    {
        // Before: keepalived's peer, preferred_lft, noprefixroute, home, mngtmpaddr, autojoin and -nodad were refused.
        (VirtualAddress address, AddressPlacement placement) = AddressPlacement.Parse("2001:db8:51::10/64 peer 2001:db8:51::20 preferred_lft 30 noprefixroute home mngtmpaddr autojoin -nodad");

        Assert.Equal(VirtualAddress.Parse("2001:db8:51::10/64"), address);
        Assert.Equal(PackedIPAddress.Parse("2001:db8:51::20"), placement.Peer);
        Assert.Equal(30u, placement.PreferredLifetime);
        Assert.Equal(AddressBehaviors.NoPrefixRoute | AddressBehaviors.HomeAddress | AddressBehaviors.ManageTemporaryAddresses | AddressBehaviors.MulticastAutoJoin, placement.Behaviors);
        Assert.True(placement.DuplicateAddressDetection);
        Assert.Equal("peer 2001:db8:51::20 preferred_lft 30 noprefixroute home mngtmpaddr autojoin -nodad", placement.ToString());
        Assert.Equal(uint.MaxValue, AddressPlacement.Parse("2001:db8:51::10/64 preferred_lft forever").Placement.PreferredLifetime);
    }

    [Theory]
    [InlineData("198.51.100.10/24 brd +", "198.51.100.255")]
    [InlineData("198.51.100.10/24 brd -", "198.51.100.0")]
    [InlineData("198.51.100.10/30 broadcast +", "198.51.100.11")]
    [InlineData("198.51.100.10/0 brd +", "255.255.255.255")]
    public void Plus_and_minus_give_the_subnets_last_and_first_address_as_keepalived_does(string entry, string expected) =>
        Assert.Equal(PackedIPAddress.Parse(expected), AddressPlacement.Parse(entry).Placement.Broadcast);

    [Theory]
    [InlineData("198.51.100.10/24 scope 7", (AddressScope)7)]
    [InlineData("198.51.100.10/24 scope host", AddressScope.Host)]
    [InlineData("2001:db8:51::10/64 scope global", AddressScope.Global)]
    public void A_scope_is_a_name_or_a_number(string entry, AddressScope expected) =>
        Assert.Equal(expected, AddressPlacement.Parse(entry).Placement.Scope);

    [Theory]
    [InlineData("198.51.100.10/24 dev", "without a value")]
    [InlineData("198.51.100.10/24 colour blue", "'colour'")]
    [InlineData("198.51.100.10/24 label abcdefghijklmnop", "at most 15")]
    [InlineData("198.51.100.10/24 scope far", "global, site, link, host, nowhere or 0 to 255")]
    [InlineData("198.51.100.10/24 brd 1", "brd '1'")]
    [InlineData("198.51.100.10/31 brd +", "prefix 30 or shorter")]
    [InlineData("2001:db8:51::10/64 label x", "only IPv4")]
    [InlineData("2001:db8:51::10/64 brd +", "brd '+'")]
    [InlineData("2001:db8:51::10/64 scope link", "IPv6 addresses are global")]
    [InlineData("198.51.100.10/24 dev a/b", "without '/'")]
    [InlineData("not-an-address dev side0", "must be an IP address")]
    [InlineData("198.51.100.10/24 peer 2001:db8:51::1", "peer '2001:db8:51::1'")]
    [InlineData("198.51.100.10/24 preferred_lft never", "forever or 0 to")]
    public void A_bad_entry_is_refused_saying_why(string entry, string expected)
    {
        Assert.False(AddressPlacement.TryParse(entry, out _, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        FormatException thrown = Assert.Throws<FormatException>(() => AddressPlacement.Parse(entry));
        Assert.Contains(entry, thrown.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 500)]
    public bool Options_written_back_read_to_the_same_placement(byte scope, bool noTrack, bool device, bool label, byte? broadcast)
    {
        var placement = new AddressPlacement
        {
            Device = device ? "side0" : null,
            Label = label ? "lab0:1" : null,
            Scope = (AddressScope)scope,
            Broadcast = broadcast is { } last ? PackedIPAddress.Parse($"198.51.100.{last}") : default,
            NoTrack = noTrack,
        };

        (VirtualAddress _, AddressPlacement read) = AddressPlacement.Parse($"198.51.100.10/24 {placement}");
        return read == placement;
    }
}
