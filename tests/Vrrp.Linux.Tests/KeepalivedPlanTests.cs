using Vrrp.Keepalived;
using Vrrp.Keepalived.Plan;

namespace Vrrp.Linux.Tests;

/// <summary>The plan vrrpd runs from a keepalived.conf: what each router tracks.</summary>
public sealed class KeepalivedPlanTests
{
    [Fact]
    public void A_sync_groups_tracked_script_interface_and_file_are_tracked_by_each_member_as_keepalived_does()
    {
        // Input: a sync group of VI_1 and VI_2 tracking a script (weight -20), an interface and a file.
        // Expected: both routers track all three with the weights an instance would give them: the script -20, the
        // interface none (down is a Fault, which the group spreads), the file vrrp_track_file's default 1. Before: the group's tracking was read and dropped: nothing moved the members.
        KeepalivedConfiguration configuration = KeepalivedConfigurationReader.Parse("""
            vrrp_script chk {
                script "/bin/true"
            }
            vrrp_track_file tf {
                file /run/vrrp-plan-test
            }
            vrrp_sync_group G {
                group {
                    VI_1
                    VI_2
                }
                track_script {
                    chk weight -20
                }
                track_interface {
                    lab9
                }
                track_file {
                    tf
                }
            }
            vrrp_instance VI_1 {
                interface lab0
                virtual_router_id 51
                virtual_ipaddress {
                    198.51.100.100/24
                }
            }
            vrrp_instance VI_2 {
                interface lab0
                virtual_router_id 52
                virtual_ipaddress {
                    198.51.100.101/24
                }
            }
            """, "/etc/keepalived/keepalived.conf", new InMemoryKeepalivedFileSystem());

        KeepalivedPlan plan = KeepalivedPlan.Create(configuration);

        Assert.All(plan.Routers, router => Assert.Equal(
            [("script:chk", -20), ("interface:lab9", 0), ("file:tf", 1)],
            router.Tracks.Select(t => (t.CheckKey, t.Weight))));
        Assert.Equal(["file:tf", "interface:lab9", "script:chk"], plan.Checks.Keys.Order(StringComparer.Ordinal));
    }
}
