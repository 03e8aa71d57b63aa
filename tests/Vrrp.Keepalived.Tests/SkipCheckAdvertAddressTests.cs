namespace Vrrp.Keepalived.Tests;

/// <summary><c>skip_check_adv_addr</c> and <c>vrrp_skip_check_adv_addr</c> run as keepalived runs them.</summary>
public sealed class SkipCheckAdvertAddressTests
{
    [Fact]
    public void Skip_check_adv_addr_runs_from_the_instance_or_from_global_defs()
    {
        // Before: vrrp_skip_check_adv_addr warned "not run" and skip_check_adv_addr was "not VRRP configuration".
        KeepalivedConfiguration configuration = KeepalivedConfigurationReader.Parse("""
            global_defs {
                vrrp_skip_check_adv_addr
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
                skip_check_adv_addr off
                virtual_ipaddress {
                    198.51.100.101/24
                }
            }
            """, "keepalived.conf", new InMemoryKeepalivedFileSystem());
        Assert.Empty(configuration.Warnings);
        Assert.Equal([true, false], configuration.Instances.Select(i => i.CreateOptions().SkipCheckAdvertisedAddresses));
    }
}
