using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// vrrp_min_garp as keepalived 2.2 runs it: one gratuitous ARP on becoming master, at once, no refresh; a value the file
/// sets itself is kept. Before: warned "not supported here", and five ARPs went out after a 5 s delay.
/// </summary>
public sealed class MinGarpTests
{
    private static VirtualRouterOptions Router(string global)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(
            $"global_defs {{\n {global}\n}}\nvrrp_instance VI_1 {{\n interface lab0\n virtual_router_id 51\n virtual_ipaddress {{\n  198.51.100.100/24\n }}\n}}\n",
            "keepalived.conf",
            new InMemoryKeepalivedFileSystem());
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        return KeepalivedPlan.Create(result.Configuration!).Routers[0].Options;
    }

    [Theory]
    [InlineData("", 5, 5, 5, 5)]                                                    // keepalived's defaults
    [InlineData("vrrp_min_garp", 0, 1, 0, 1)]
    [InlineData("vrrp_min_garp true", 0, 1, 0, 1)]
    [InlineData("vrrp_min_garp false", 5, 5, 5, 5)]
    [InlineData("vrrp_min_garp\n vrrp_garp_master_repeat 3", 0, 3, 0, 3)]        // what the file sets stays
    [InlineData("vrrp_garp_master_delay 2\n vrrp_min_garp", 2, 1, 2, 1)]
    public void The_gratuitous_arps_on_becoming_master_are_as_keepalived_sends_them(string global, int delaySeconds, int repeat, int lowerDelaySeconds, int lowerRepeat)
    {
        VirtualRouterOptions router = Router(global);

        Assert.Equal(
            (TimeSpan.FromSeconds(delaySeconds), repeat, TimeSpan.FromSeconds(lowerDelaySeconds), lowerRepeat, TimeSpan.Zero),
            (router.GarpMasterDelay, router.GarpMasterRepeat, router.GarpLowerPriorityDelay, router.GarpLowerPriorityRepeat, router.GarpMasterRefresh));
    }

    [Fact]
    public void The_writer_keeps_it()
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText("global_defs {\n vrrp_min_garp\n}\n", "keepalived.conf", new InMemoryKeepalivedFileSystem());

        Assert.Contains("vrrp_min_garp\n", KeepalivedConfigurationWriter.Write(result.Configuration!), StringComparison.Ordinal);
    }
}
