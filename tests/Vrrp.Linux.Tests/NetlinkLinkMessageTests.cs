using Vrrp.Linux.Netlink;
using Vrrp.Packets;

namespace Vrrp.Linux.Tests;

/// <summary>Golden bytes of the macvlan requests (what iproute2's 'ip link add … type macvlan mode private' sends) and the RTM_GETLINK reader.</summary>
public sealed class NetlinkLinkMessageTests
{
    private static readonly MacAddress s_mac = MacAddress.Parse("00:00:5e:00:01:33");

    [Fact]
    public void Create_macvlan_request_matches_the_rtnetlink_layout_field_by_field()
    {
        byte[] expected = Convert.FromHexString(
            "5c000000" + "1000" + "0506" + "07000000" + "00000000"   // nlmsghdr: 92 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 7
            + "00000000" + "00000000" + "00000000" + "00000000"     // ifinfomsg: AF_UNSPEC, index 0 (new), no flags
            + "0c00" + "0300" + "767272702e353100"                   // IFLA_IFNAME "vrrp.51\0"
            + "0800" + "0500" + "02000000"                           // IFLA_LINK: parent index 2
            + "0a00" + "0100" + "00005e000133" + "0000"              // IFLA_ADDRESS: the virtual router MAC, padded
            + "1c00" + "1200"                                        // IFLA_LINKINFO (28)
            + "0b00" + "0100" + "6d6163766c616e" + "00"              //   IFLA_INFO_KIND "macvlan", padded
            + "0c00" + "0200"                                        //   IFLA_INFO_DATA (12)
            + "0800" + "0100" + "01000000");                         //     IFLA_MACVLAN_MODE: MACVLAN_MODE_PRIVATE
        byte[] buffer = new byte[256];
        int length = NetlinkLinkMessage.WriteCreateMacvlan(buffer, 7, "vrrp.51", 2, s_mac, NetlinkLinkMessage.MACVLAN_MODE_PRIVATE);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(buffer, 0, length));
    }

    [Fact]
    public void Address_generation_mode_request_nests_af_spec_inet6_and_the_mode_byte()
    {
        byte[] expected = Convert.FromHexString(
            "30000000" + "1000" + "0500" + "08000000" + "00000000"   // nlmsghdr: 48 bytes, RTM_NEWLINK, REQUEST|ACK, seq 8
            + "00000000" + "07000000" + "00000000" + "00000000"     // ifinfomsg: index 7
            + "1000" + "1a00"                                        // IFLA_AF_SPEC (16)
            + "0c00" + "0a00"                                        //   AF_INET6 (12)
            + "0500" + "0800" + "03" + "000000");                    //     IFLA_INET6_ADDR_GEN_MODE: IN6_ADDR_GEN_MODE_RANDOM
        byte[] buffer = new byte[256];
        int length = NetlinkLinkMessage.WriteAddressGenerationMode(buffer, 8, 7, NetlinkLinkMessage.IN6_ADDR_GEN_MODE_RANDOM);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(buffer, 0, length));
    }

    [Fact]
    public void Set_up_request_changes_only_the_up_flag()
    {
        byte[] buffer = new byte[64];
        int length = NetlinkLinkMessage.WriteSetUp(buffer, 9, 7);
        Assert.Equal("20000000" + "1000" + "0500" + "09000000" + "00000000" + "00000000" + "07000000" + "01000000" + "01000000", Convert.ToHexString(buffer, 0, length));
    }

    private static byte[] LinkReply(uint sequence) => Convert.FromHexString(
        "50000000" + "1000" + "0000" + sequence.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + "000000" + "00000000"
        + "00000100" + "07000000" + "43100100" + "00000000"        // ifinfomsg: ARPHRD_ETHER, index 7, UP|RUNNING…
        + "0c00" + "0300" + "767272702e353100"                     // IFLA_IFNAME
        + "0800" + "0500" + "02000000"                             // IFLA_LINK 2
        + "0a00" + "0100" + "00005e000133" + "0000"                // IFLA_ADDRESS
        + "1000" + "1280" + "0c00" + "0100" + "6d6163766c616e00"); // IFLA_LINKINFO (NLA_F_NESTED) { IFLA_INFO_KIND "macvlan\0" }

    [Fact]
    public void Link_reply_yields_index_parent_mac_and_kind()
    {
        Assert.True(NetlinkLinkMessage.TryReadLink(LinkReply(5), 5, out LinkDescription link, out int error));
        Assert.Equal(0, error);
        Assert.Equal(new LinkDescription(7, 2, s_mac, "macvlan"), link);
        Assert.False(NetlinkLinkMessage.TryReadLink(LinkReply(5), 6, out _, out _));
    }

    [Fact]
    public void Error_reply_yields_the_errno_and_every_truncation_is_read_without_throwing()
    {
        byte[] error = Convert.FromHexString("24000000" + "0200" + "0000" + "05000000" + "00000000" + "edffffff" + new string('0', 32));
        Assert.True(NetlinkLinkMessage.TryReadLink(error, 5, out _, out int errno));
        Assert.Equal(-19, errno); // ENODEV: no such interface

        byte[] reply = LinkReply(5);
        for (int length = 0; length < reply.Length; length++)
        {
            Assert.False(NetlinkLinkMessage.TryReadLink(reply.AsSpan(0, length), 5, out _, out _));
        }
    }
}
