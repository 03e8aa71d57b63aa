using Vrrp.Addressing;
using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// A virtual address's dev, label, scope, brd and no_track run as keepalived runs them. Before: each was read, warned
/// "not run", and the address went on the instance's interface, global, with no label and no broadcast address.
/// </summary>
public sealed class AddressOptionsTests
{
    private static KeepalivedCheckResult Check(string addresses, string excluded = "") =>
        KeepalivedConfigurationReader.CheckText($$"""
            vrrp_instance VI_1 {
                interface lab0
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
            {{addresses}}
                }
                virtual_ipaddress_excluded {
            {{excluded}}
                }
            }
            """, "keepalived.conf", new InMemoryKeepalivedFileSystem());

    [Fact]
    public void Peer_takes_the_peers_prefix_and_the_flags_and_lifetime_reach_the_entry()
    {
        // keepalived: with peer, the address has the peer's prefix, and a prefix of the address's own is ignored with
        // its warning; preferred_lft is set on IPv6 addresses only. Before: each was "not supported here; ignored".
        KeepalivedCheckResult result = Check("        198.51.100.101/24 peer 198.51.100.200/30 noprefixroute\n        198.51.100.102 preferred_lft 30 -nodad");
        Assert.True(result.IsValid, Conf.Lines(result.Errors));
        Assert.Collection(
            result.Warnings,
            w => Assert.Contains("Cannot specify address prefix when specifying peer address - ignoring", w.Message, StringComparison.Ordinal),
            w => Assert.Contains("preferred_lft applies to IPv6 addresses", w.Message, StringComparison.Ordinal));
        VirtualRouterOptions options = KeepalivedPlan.Create(result.Configuration!).Routers[0].Options;
        Assert.Equal(["198.51.100.101/30 peer 198.51.100.200 noprefixroute", "198.51.100.102/32 preferred_lft 30 -nodad"], options.VirtualAddresses);
        (VirtualAddress address, AddressPlacement placement) = AddressPlacement.Parse(options.VirtualAddresses[0]);
        Assert.Equal(30, address.PrefixLength);
        Assert.Equal(AddressBehaviors.NoPrefixRoute, placement.Behaviors);
    }

    [Fact]
    public void Brd_with_peer_is_dropped_with_keepaliveds_warning()
    {
        KeepalivedCheckResult result = Check("        198.51.100.101 peer 198.51.100.200/24 brd 198.51.100.255");
        Assert.Contains(result.Warnings, w => w.Message.Contains("Cannot specify broadcast and peer addresses - ignoring broadcast address", StringComparison.Ordinal));
        Assert.Null(Assert.Single(Assert.Single(result.Configuration!.Instances).VirtualAddresses).Broadcast);
    }

    [Fact]
    public void Each_option_reaches_the_routers_address_entry_without_a_warning()
    {
        KeepalivedCheckResult result = Check(
            "198.51.100.100/24 dev lab0 label lab0:vip scope site brd +\n198.51.100.150/32 dev side0 no_track",
            "203.0.113.5/32 dev side0 scope host broadcast 203.0.113.5");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        VirtualRouterOptions options = Assert.Single(result.Configuration!.Instances).CreateOptions();
        Assert.Equal(["198.51.100.100/24 dev lab0 label lab0:vip scope site brd +", "198.51.100.150/32 dev side0 no_track"], options.VirtualAddresses);
        Assert.Equal(["203.0.113.5/32 dev side0 scope host brd 203.0.113.5"], options.ExcludedAddresses);
        Assert.Empty(options.Validate());
        (_, AddressPlacement first) = AddressPlacement.Parse(options.VirtualAddresses[0]);
        Assert.Equal(new AddressPlacement { Device = "lab0", Label = "lab0:vip", Scope = AddressScope.Site, Broadcast = Packets.PackedIPAddress.Parse("198.51.100.255") }, first);
    }

    [Theory]
    [InlineData("2001:db8:51::100/64 label lab0:x", "takes no label; the label is ignored", "2001:db8:51::100/64")]
    [InlineData("2001:db8:51::100/64 scope link", "takes no scope; the scope is ignored", "2001:db8:51::100/64")]
    [InlineData("198.51.100.100/24 scope far", "ignored, as keepalived does", "198.51.100.100/24")]
    [InlineData("198.51.100.100/31 brd +", "too long for a broadcast address", "198.51.100.100/31")]
    public void What_keepalived_ignores_is_ignored_with_a_warning_at_its_line(string entry, string warning, string expected)
    {
        KeepalivedCheckResult result = Check(entry);

        Assert.Empty(result.Errors);
        KeepalivedDiagnostic said = Assert.Single(result.Warnings);
        Assert.Contains(warning, said.Message, StringComparison.Ordinal);
        Assert.Equal(6, said.Line);
        Assert.Equal([expected], result.Configuration!.Instances[0].CreateOptions().VirtualAddresses);
    }

    [Theory]
    [InlineData("198.51.100.101/24 label abcdefghijklmnop", "longer than 15 characters")]
    [InlineData("198.51.100.101/24 brd x", "is removed, as keepalived does")]
    [InlineData("2001:db8:51::101/64 brd +", "takes no broadcast address")]
    public void An_address_keepalived_removes_is_removed_with_a_warning_at_its_line(string entry, string warning)
    {
        KeepalivedCheckResult result = Check($"198.51.100.100/24\n{entry}");

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Line == 7 && w.Message.Contains(warning, StringComparison.Ordinal));
        Assert.Equal(["198.51.100.100/24"], result.Configuration!.Instances[0].CreateOptions().VirtualAddresses);
    }

    [Fact]
    public void An_address_on_another_interface_makes_the_instance_track_that_interface_unless_no_track()
    {
        // keepalived adds the interface of each such address to the instance's tracked interfaces (weight 0: down
        // means Fault); no_track opts out, and the instance's own interface is never added.
        KeepalivedCheckResult result = Check(
            "198.51.100.100/24 dev lab0\n198.51.100.150/32 dev side0\n198.51.100.151/32 dev side0\n198.51.100.152/32 dev quiet0 no_track",
            "203.0.113.5/32 dev extra0");

        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        KeepalivedRouterPlan router = Assert.Single(plan.Routers);
        Assert.Equal(["interface:side0", "interface:extra0"], router.Tracks.Select(t => t.CheckKey));
        Assert.All(router.Tracks, t => Assert.Equal(0, t.Weight));
    }

    [Fact]
    public void The_writer_keeps_every_option()
    {
        KeepalivedCheckResult result = Check("198.51.100.100/24 dev lab0 label lab0:vip scope site brd + no_track");
        KeepalivedConfiguration again = KeepalivedConfigurationReader.Parse(KeepalivedConfigurationWriter.Write(result.Configuration!), "keepalived.conf", new InMemoryKeepalivedFileSystem());

        Assert.Equal(result.Configuration!.Instances[0].VirtualAddresses, again.Instances[0].VirtualAddresses);
    }
}
