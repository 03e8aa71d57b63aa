using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// <c>static_ipaddress</c>, <c>static_routes</c> and <c>static_rules</c> are read as keepalived reads them and reach the
/// plan. Before: each whole block was skipped as "not VRRP configuration".
/// </summary>
public sealed class StaticEntriesTests
{
    private const string Text = """
        global_defs {
            default_interface lab1
        }
        static_ipaddress {
            198.51.100.5/24 dev lab0 label lab0:st
            198.51.100.6/24
        }
        static_routes {
            203.0.113.0/24 via 198.51.100.1 dev lab0
        }
        static_rules {
            from 198.51.100.5 table 100 priority 100
        }
        vrrp_instance VI_1 {
            interface lab0
            virtual_router_id 51
            virtual_ipaddress {
                198.51.100.100/24
            }
        }
        """;

    [Fact]
    public void The_blocks_reach_the_plan_and_an_address_without_dev_goes_on_default_interface()
    {
        KeepalivedCheckResult result = Conf.Check(Text);
        Assert.True(result.IsValid, Conf.Lines(result.Errors));
        KeepalivedDiagnostic note = Assert.Single(result.Warnings.WithoutNotRun());
        Assert.Equal(6, note.Line);
        Assert.Contains("198.51.100.6/24 has no dev: it goes on lab1", note.Message, StringComparison.Ordinal);

        KeepalivedPlan plan = KeepalivedPlan.Create(result.Configuration!);
        Assert.Equal(["198.51.100.5/24 dev lab0 label lab0:st", "198.51.100.6/24 dev lab1"], plan.StaticAddresses);
        Assert.Equal(["203.0.113.0/24 via 198.51.100.1 dev lab0"], plan.StaticRoutes);
        Assert.Equal(["from 198.51.100.5 table 100 priority 100"], plan.StaticRules);
    }

    [Fact]
    public void Without_default_interface_keepalived_puts_it_on_eth0_and_says_so()
    {
        KeepalivedCheckResult result = Conf.Check("static_ipaddress {\n    198.51.100.6/24\n}\n" + Conf.Instance(string.Empty));
        Assert.Contains(result.Warnings, w => w.Line == 2 && w.Message.Contains("goes on eth0", StringComparison.Ordinal));
        Assert.Equal(["198.51.100.6/24 dev eth0"], KeepalivedPlan.Create(result.Configuration!).StaticAddresses);
    }

    [Fact]
    public void The_blocks_round_trip_through_the_writer()
    {
        KeepalivedConfiguration read = Conf.Parse(Text);
        string written = KeepalivedConfigurationWriter.Write(read);
        Assert.Contains("static_routes {", written, StringComparison.Ordinal);
        Assert.Equal(read.WithoutSource(), Conf.Parse(written).WithoutSource());
    }

    [Fact]
    public void A_static_rule_that_cannot_be_held_is_dropped_with_a_warning_naming_its_block()
    {
        KeepalivedCheckResult result = Conf.Check("static_rules {\n    from nowhere table 100\n}\n" + Conf.Instance(string.Empty));
        Assert.Contains(result.Warnings, w => w.Line == 2 && w.Message.StartsWith("static_rules: rule 'from nowhere table 100'", StringComparison.Ordinal));
        Assert.Empty(result.Configuration!.StaticRules);
    }
}
