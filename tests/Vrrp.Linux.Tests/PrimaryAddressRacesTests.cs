using Vrrp.Addressing;
using Vrrp.Keepalived;
using Vrrp.Keepalived.Plan;
using VrrpDaemon;

namespace Vrrp.Linux.Tests;

/// <summary>
/// The harness's one unwarned difference (gateway-keepalived-sample-sync): two sync groups put addresses of one /27 on
/// lab0, which has no address of its own there, and which becomes primary (and the route's prefsrc) followed the order
/// the groups became master, which differs from keepalived's from run to run. vrrpd now says so at start.
/// </summary>
public sealed class PrimaryAddressRacesTests
{
    private const string TwoGroups = """
        vrrp_sync_group G1 {
            group {
                VI_1
                VI_2
            }
        }
        vrrp_instance VI_1 {
            interface lab0
            virtual_router_id 51
            virtual_ipaddress {
                198.51.100.164/27
            }
        }
        vrrp_instance VI_2 {
            interface lab0
            virtual_router_id 52
            virtual_ipaddress {
                198.51.100.165/27
            }
        }
        vrrp_instance VI_3 {
            interface lab0
            virtual_router_id 53
            virtual_ipaddress {
                198.51.100.162/27
                198.51.100.170/32
                2001:db8:51::10/64
            }
        }

        """;

    private static List<string> Find(string text, Func<string, VirtualAddress, bool> hasOwnAddress)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(text, "k.conf", new InMemoryKeepalivedFileSystem());
        Assert.Empty(result.Errors);
        return [.. PrimaryAddressRaces.Find(result.Configuration!, KeepalivedPlan.Create(result.Configuration!), hasOwnAddress)];
    }

    [Fact]
    public void Two_fates_in_one_subnet_with_no_address_of_the_host_s_there_are_said_at_the_second_s_line()
    {
        var asked = new List<string>();
        List<string> warnings = Find(TwoGroups, (device, subnet) =>
        {
            asked.Add($"{device} {subnet}");
            return false;
        });

        string warning = Assert.Single(warnings);
        Assert.StartsWith("k.conf:21: G1 and VI_3 (not one sync group) put addresses of 198.51.100.160/27 on lab0", warning, StringComparison.Ordinal);
        Assert.Contains("a race, under keepalived too", warning, StringComparison.Ordinal);
        Assert.Equal(["lab0 198.51.100.160/27"], asked); // not the /32, not IPv6, not G1's subnet alone
    }

    [Fact]
    public void An_address_of_the_host_s_own_in_the_subnet_or_one_fate_says_nothing()
    {
        Assert.Empty(Find(TwoGroups, (_, _) => true));

        string oneGroup = TwoGroups.Replace("        VI_2\n", "        VI_2\n        VI_3\n", StringComparison.Ordinal);
        Assert.Empty(Find(oneGroup, (_, _) => false));
    }

    [Fact]
    public void An_address_with_dev_counts_on_the_interface_it_names()
    {
        string moved = TwoGroups.Replace("198.51.100.162/27\n", "198.51.100.162/27 dev lab1\n", StringComparison.Ordinal);
        Assert.Empty(Find(moved, (_, _) => false));
    }
}
