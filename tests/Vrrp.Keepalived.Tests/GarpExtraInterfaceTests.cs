using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// garp_extra_if and vrrp_garp_extra_if as keepalived 2.2 reads them: "all" and a period in either order, the instance's
/// value over the global one. Before: both warned "not run".
/// </summary>
public sealed class GarpExtraInterfaceTests
{
    private static KeepalivedCheckResult Check(string global, string instance) => KeepalivedConfigurationReader.CheckText(
        $"global_defs {{\n {global}\n}}\nvrrp_instance VI_1 {{\n interface lab0\n virtual_router_id 51\n {instance}\n virtual_ipaddress {{\n  198.51.100.100/24\n  198.51.100.200/24 dev lab1\n }}\n}}\n",
        "keepalived.conf",
        new InMemoryKeepalivedFileSystem());

    [Theory]
    [InlineData("", "garp_extra_if all 100", 100)]
    [InlineData("", "garp_extra_if 100 all", 100)]
    [InlineData("vrrp_garp_extra_if all 60", "", 60)]
    [InlineData("vrrp_garp_extra_if all 60", "garp_extra_if all 30", 30)]
    [InlineData("vrrp_garp_extra_if all 60", "garp_extra_if all 0", 0)] // 0 disables, as keepalived's man page says
    public void The_period_with_all_reaches_the_router(string global, string instance, int seconds)
    {
        KeepalivedCheckResult result = Check(global, instance);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal(TimeSpan.FromSeconds(seconds), KeepalivedPlan.Create(result.Configuration!).Routers[0].Options.OtherInterfaceAnnouncementInterval);
        // Written back with the value each instance runs with.
        Assert.Contains($"garp_extra_if all {seconds}\n", KeepalivedConfigurationWriter.Write(result.Configuration!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "garp_extra_if 100", 7)]
    [InlineData("vrrp_garp_extra_if 100", "", 4)] // at the instance, which takes the global value
    public void Without_all_nothing_is_sent_and_a_warning_says_why(string global, string instance, int line)
    {
        // keepalived sends then only on the virtual MACs of single addresses (use_vmac on an address), not made here.
        KeepalivedCheckResult result = Check(global, instance);

        KeepalivedDiagnostic warning = Assert.Single(result.Warnings);
        Assert.Equal(line, warning.Line);
        Assert.Contains("without 'all'", warning.Message, StringComparison.Ordinal);
        Assert.Equal(KeepalivedTestOutcome.NotReported, warning.KeepalivedTest);
        Assert.Equal(TimeSpan.Zero, KeepalivedPlan.Create(result.Configuration!).Routers[0].Options.OtherInterfaceAnnouncementInterval);
    }

    [Theory]
    [InlineData("garp_extra_if all", "without time")]
    [InlineData("garp_extra_if all 86401", "invalid")]
    [InlineData("garp_extra_if some 10", "invalid")]
    public void A_bad_value_is_keepalived_s_error(string instance, string words)
    {
        KeepalivedCheckResult result = Check("", instance);

        Assert.Contains(result.Errors, e => e.Line == 7 && e.Message.Contains(words, StringComparison.Ordinal));
    }

    [Fact]
    public void The_global_period_starts_at_one_as_keepalived_s_global_handler_has_it()
    {
        KeepalivedCheckResult result = Check("vrrp_garp_extra_if all 0", "");

        Assert.Contains(result.Errors, e => e.Line == 2 && e.Message.Contains("1 to 86400", StringComparison.Ordinal));
    }

    [Fact]
    public void The_old_name_is_read_with_keepalived_s_deprecation_warning()
    {
        KeepalivedCheckResult result = Check("", "vmac_garp_intvl all 100");

        Assert.Contains(result.Warnings, w => w.Line == 7 && w.Message.Contains("deprecated", StringComparison.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(100), KeepalivedPlan.Create(result.Configuration!).Routers[0].Options.OtherInterfaceAnnouncementInterval);
    }
}
