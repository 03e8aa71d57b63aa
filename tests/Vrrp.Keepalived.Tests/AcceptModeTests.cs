using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// Accept mode as keepalived 2.2 sets it (no_accept, accept, vrrp_strict's default, the owner's exception, VRRPv2
/// under strict), and the firewall's table, priority and counters (keepalived 2.2's global nftables, nftables_priority,
/// nftables_counters) reaching the plan. Before: vrrpd read them as "vrrp_nftables" and "vrrp_nftables_priority", which
/// keepalived has no such keyword as, and warned keepalived's own names "not VRRP configuration": a file's table name
/// was dropped.
/// </summary>
public sealed class AcceptModeTests
{
    private static KeepalivedCheckResult Check(string global, string instance, int version = 3) =>
        KeepalivedConfigurationReader.CheckText(
            $"global_defs {{\n vrrp_version {version}\n {global}\n}}\nvrrp_instance VI_1 {{\n interface lab0\n virtual_router_id 51\n {instance}\n virtual_ipaddress {{\n  198.51.100.100/24\n }}\n}}\n",
            "keepalived.conf",
            new InMemoryKeepalivedFileSystem());

    [Theory]
    [InlineData("", "priority 100", true)]                        // keepalived's default: accept
    [InlineData("", "priority 100\n no_accept", false)]
    [InlineData("vrrp_strict", "priority 100", false)]            // strict: off unless the owner
    [InlineData("vrrp_strict", "priority 255", true)]
    [InlineData("vrrp_strict", "priority 100\n accept", true)]
    public void Accept_mode_is_set_as_keepalived_sets_it(string global, string instance, bool accept)
    {
        KeepalivedCheckResult result = Check(global, instance);
        Assert.Empty(result.Errors);

        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        Assert.Equal(accept, plan.Routers[0].Options.AcceptMode);
    }

    [Fact]
    public void Accept_with_vrrpv2_under_strict_is_reset_with_keepalived_s_warning()
    {
        KeepalivedCheckResult result = Check("vrrp_strict", "priority 100\n accept", version: 2);

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, d => d.Message.Contains("accept mode for VRRP version 2 does not comply with RFC3768 - resetting", StringComparison.Ordinal));
        Assert.False(KeepalivedPlan.Create(result.Configuration!).Routers[0].Options.AcceptMode);
    }

    [Theory]
    [InlineData("", "vrrpd", -1)]                                             // vrrpd's own table, never keepalived's
    [InlineData("nftables", "vrrpd", -1)]
    [InlineData("nftables ours_1\n nftables_priority -5", "ours_1", -5)]
    public void The_firewall_table_and_priority_reach_the_plan(string global, string table, int priority)
    {
        KeepalivedCheckResult result = Check(global, "priority 100\n no_accept");
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);

        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        Assert.Equal((table, priority), (plan.AcceptModeFirewallTable, plan.AcceptModeFirewallPriority));
    }

    [Fact]
    public void A_table_name_that_is_not_a_plain_name_is_refused_at_its_line()
    {
        // It is written into nft's input: a name with a space or a brace would be a second command.
        KeepalivedCheckResult result = Check("nftables \"x; flush ruleset\"", "priority 100");

        Assert.Contains(result.Errors, d => d.Line == 3 && d.Message.Contains("not a plain nftables table name", StringComparison.Ordinal));
    }

    [Fact]
    public void A_second_nftables_is_ignored_with_keepalived_s_warning()
    {
        KeepalivedCheckResult result = Check("nftables first\n nftables second", "priority 100");

        Assert.Contains(result.Warnings, d => d.Line == 4 && d.Message.Contains("nftables already specified - ignoring", StringComparison.Ordinal));
        Assert.Equal("first", KeepalivedPlan.Create(result.Configuration!).AcceptModeFirewallTable);
    }

    [Fact]
    public void The_writer_keeps_nftables_its_priority_and_counters()
    {
        KeepalivedCheckResult result = Check("nftables ours\n nftables_priority 3\n nftables_counters", "priority 100");
        Assert.Empty(result.Warnings);
        Assert.True(KeepalivedPlan.Create(result.Configuration!).FirewallCounters);
        string written = KeepalivedConfigurationWriter.Write(result.Configuration!);

        Assert.Contains("nftables ours\n", written, StringComparison.Ordinal);
        Assert.Contains("nftables_priority 3\n", written, StringComparison.Ordinal);
        Assert.Contains("nftables_counters\n", written, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vrrp_nftables ours")]
    [InlineData("vrrp_nftables_priority 3")]
    public void The_names_keepalived_does_not_have_are_unknown(string global)
    {
        KeepalivedCheckResult result = Check(global, "priority 100");

        Assert.Contains(result.Warnings, d => d.Line == 3 && d.Message.Contains("unknown keyword", StringComparison.Ordinal));
        Assert.Equal("vrrpd", KeepalivedPlan.Create(result.Configuration!).AcceptModeFirewallTable);
    }

    [Fact]
    public void Vrrp_iptables_says_what_keepalived_built_without_iptables_says()
    {
        KeepalivedCheckResult result = Check("vrrp_iptables", "priority 100\n no_accept");

        Assert.Contains(result.Warnings, d => d.Line == 3 && d.Message.Contains("iptables not supported, using nftables instead", StringComparison.Ordinal));
        Assert.Equal("vrrpd", KeepalivedPlan.Create(result.Configuration!).AcceptModeFirewallTable);
    }
}
