using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>vrrp_rt_priority, max_auto_priority and min_auto_priority_delay reach the plan vrrpd applies to its protocol threads.</summary>
public sealed class SchedulingTests
{
    private const string Instance = "vrrp_instance VI_1 {\n interface lab0\n virtual_router_id 51\n virtual_ipaddress {\n  198.51.100.100/24\n }\n}\n";

    [Theory]
    [InlineData("vrrp_rt_priority 10\n max_auto_priority 20\n min_auto_priority_delay 500000", 10, 20, 500)]
    [InlineData("max_auto_priority", 0, 99, 1000)] // without a value: the largest, as keepalived
    [InlineData("max_auto_priority -1", 0, 0, 1000)] // -1 disables
    [InlineData("", 0, 0, 1000)]
    public void The_keys_reach_the_plan(string keys, int realTime, int maxAuto, int delayMs)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText($"global_defs {{\n {keys}\n}}\n{Instance}", "keepalived.conf", new InMemoryKeepalivedFileSystem());
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);

        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        Assert.Equal((realTime, maxAuto, TimeSpan.FromMilliseconds(delayMs)), (plan.RealTimePriority, plan.MaxAutoPriority, plan.MinAutoPriorityDelay));
    }

    [Theory]
    [InlineData("vrrp_rt_priority 0", "1 to 99")]
    [InlineData("min_auto_priority_delay 0", "1 to 10000000")]
    public void An_out_of_range_value_names_the_range(string keys, string range)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText($"global_defs {{\n {keys}\n}}\n{Instance}", "keepalived.conf", new InMemoryKeepalivedFileSystem());

        Assert.Contains(result.Errors.Concat(result.Warnings), d => d.Line == 2 && d.Message.Contains(range, StringComparison.Ordinal));
    }
}
