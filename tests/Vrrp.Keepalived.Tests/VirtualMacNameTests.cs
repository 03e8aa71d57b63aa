using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// A use_vmac instance without a name gets keepalived's: vrrp.VRID for the first in the file that wants it, whatever its
/// family, then vrrp6.VRID for IPv6 and vrrp1.VRID for IPv4. Found by the differential harness: vrrpd named every IPv6
/// macvlan vrrp6.VRID, where keepalived names it vrrp.VRID.
/// </summary>
public sealed class VirtualMacNameTests
{
    private static string Instance(string name, int vrid, string address, string vmac = "use_vmac") =>
        $"vrrp_instance {name} {{\n    interface lab0\n    virtual_router_id {vrid}\n    {vmac}\n    virtual_ipaddress {{\n        {address}\n    }}\n}}\n";

    [Fact]
    public void An_ipv6_instance_alone_gets_vrrp_dot_vrid()
    {
        KeepalivedPlan plan = KeepalivedPlan.Create(Conf.Parse(Instance("V6", 52, "2001:db8:51::52/64")));
        Assert.Equal("vrrp.52", plan.Routers[0].Options.VirtualMacInterface);
    }

    [Fact]
    public void The_same_vrid_in_both_families_gives_the_second_in_the_file_the_next_name()
    {
        KeepalivedPlan v4First = KeepalivedPlan.Create(Conf.Parse(Instance("V4", 52, "198.51.100.52/24") + Instance("V6", 52, "2001:db8:51::52/64")));
        Assert.Equal(["vrrp.52", "vrrp6.52"], v4First.Routers.Select(static r => r.Options.VirtualMacInterface));

        KeepalivedPlan v6First = KeepalivedPlan.Create(Conf.Parse(Instance("V6", 52, "2001:db8:51::52/64") + Instance("V4", 52, "198.51.100.52/24")));
        Assert.Equal(["vrrp.52", "vrrp1.52"], v6First.Routers.Select(static r => r.Options.VirtualMacInterface));
    }

    [Fact]
    public void A_name_given_to_another_instance_is_never_taken()
    {
        KeepalivedPlan plan = KeepalivedPlan.Create(Conf.Parse(Instance("A", 52, "198.51.100.52/24") + Instance("B", 53, "198.51.100.53/24", "use_vmac vrrp.52")));
        Assert.Equal(["vrrp1.52", "vrrp.52"], plan.Routers.Select(static r => r.Options.VirtualMacInterface));
    }
}
