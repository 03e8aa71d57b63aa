using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>vrrp_rt_priority, max_auto_priority and min_auto_priority_delay reach the plan vrrpd applies to its protocol threads.</summary>
public sealed class SchedulingTests
{
    private const string Instance = "vrrp_instance VI_1 {\n interface lab0\n virtual_router_id 51\n virtual_ipaddress {\n  198.51.100.100/24\n }\n}\n";

    [Theory]
    [InlineData("vrrp_rt_priority 10\n vrrp_rlimit_rttime 20000\n max_auto_priority 20\n min_auto_priority_delay 500000", 10, 20, 500)]
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

    [Fact]
    public void Vrrp_priority_cpu_affinity_and_rlimit_rttime_reach_the_plan()
    {
        // Before: all three warned "not run".
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText("global_defs {\n vrrp_priority -5\n vrrp_cpu_affinity 0\n vrrp_rt_priority 10\n vrrp_rlimit_rttime 1\n}\n" + Instance, "keepalived.conf", new InMemoryKeepalivedFileSystem());
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);

        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        Assert.Equal(-5, plan.ProcessPriority);
        Assert.Equal([0], plan.CpuAffinity);
        Assert.Equal(TimeSpan.FromMicroseconds(2), plan.RealTimeLimit); // 1 becomes 2, as keepalived: the soft limit is half
        Assert.Contains("vrrp_rlimit_rttime 2", KeepalivedConfigurationWriter.Write(result.Configuration!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vrrp_rt_priority 10", 2, "10000 µs")] // keepalived's default limit, which vrrpd does not set
    [InlineData("vrrp_rlimit_rtime 5000", 2, "deprecated")]
    public void A_difference_or_an_old_keyword_is_warned_at_its_line(string keys, int line, string words)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText($"global_defs {{\n {keys}\n}}\n{Instance}", "keepalived.conf", new InMemoryKeepalivedFileSystem());

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, d => d.Line == line && d.Message.Contains(words, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("vrrp_priority 20", "-20 to 19")]
    [InlineData("vrrp_cpu_affinity 0 4096", "to")]
    [InlineData("vrrp_rlimit_rttime 0", "1 to 4294967295")]
    public void An_out_of_range_process_setting_names_the_range(string keys, string range)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText($"global_defs {{\n {keys}\n}}\n{Instance}", "keepalived.conf", new InMemoryKeepalivedFileSystem());

        Assert.Contains(result.Errors, d => d.Line == 2 && d.Message.Contains(range, StringComparison.Ordinal));
    }
}
