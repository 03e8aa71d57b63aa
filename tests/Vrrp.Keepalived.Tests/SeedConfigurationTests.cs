using Vrrp.Packets;

namespace Vrrp.Keepalived.Tests;

/// <summary>The seed configuration: three nodes at 100/90/80 with PASS authentication, a tracked script and a notify script.</summary>
public sealed class SeedConfigurationTests
{
    private static string Seed(string state, int priority) => $$"""
        ! Configuration File for keepalived
        global_defs {
           router_id node-{{priority}}
           script_user keepalived_script
           enable_script_security
        }

        vrrp_script chk_service {
            script "/usr/bin/pgrep -x haproxy"
            interval 2
            timeout 3
            fall 2
            rise 3
            weight -30
        }

        vrrp_instance VI_1 {
            state {{state}}
            interface eth0
            virtual_router_id 51
            priority {{priority}}
            advert_int 1
            authentication {
                auth_type PASS
                auth_pass s3cret
            }
            virtual_ipaddress {
                192.168.1.100/24 dev eth0 label eth0:vip
            }
            track_script {
                chk_service
            }
            notify "/etc/keepalived/notify.sh"
        }
        """;

    [Theory]
    [InlineData("MASTER", 100)]
    [InlineData("BACKUP", 90)]
    [InlineData("BACKUP", 80)]
    public void Each_node_parses_into_options_field_by_field(string state, int priority)
    {
        KeepalivedConfiguration configuration = Conf.Parse(Seed(state, priority));

        Assert.Empty(configuration.Warnings.WithoutNotRun());
        Assert.Equal($"node-{priority}", configuration.GlobalDefinitions.RouterId);
        Assert.Equal("keepalived_script", configuration.GlobalDefinitions.ScriptUser);
        Assert.True(configuration.GlobalDefinitions.EnableScriptSecurity);

        KeepalivedScript script = Assert.Single(configuration.Scripts);
        Assert.Equal("chk_service", script.Name);
        Assert.Equal("/usr/bin/pgrep -x haproxy", script.Command);
        Assert.Equal(TimeSpan.FromSeconds(2), script.Interval);
        Assert.Equal(TimeSpan.FromSeconds(3), script.Timeout);
        Assert.Equal(2, script.Fall);
        Assert.Equal(3, script.Rise);
        Assert.Equal(-30, script.Weight);
        Assert.Equal(new KeepalivedSourceLocation(Conf.File, 8), script.Source);

        KeepalivedInstance instance = Assert.Single(configuration.Instances);
        Assert.Equal(state == "MASTER" ? KeepalivedState.Master : KeepalivedState.Backup, instance.State);
        Assert.Equal(new KeepalivedSourceLocation(Conf.File, 17), instance.Source);
        Assert.Equal([new KeepalivedTrack("chk_service")], instance.TrackScripts);
        Assert.Equal("/etc/keepalived/notify.sh", instance.Notify);
        Assert.Equal([new KeepalivedVirtualAddress("192.168.1.100/24", Device: "eth0", Label: "eth0:vip")], instance.VirtualAddresses);

        VirtualRouterOptions options = instance.CreateOptions();
        Assert.Empty(options.Validate());
        Assert.Equal("VI_1", options.Name);
        Assert.Equal("eth0", options.Interface);
        Assert.Equal(51, options.VirtualRouterId);
        Assert.Equal(priority, options.Priority);
        Assert.False(options.Owner);
        Assert.Equal(VrrpVersion.V2, options.Version);
        Assert.Equal(TimeSpan.FromSeconds(1), options.AdvertisementInterval);
        Assert.Equal(VrrpAuthenticationType.SimplePassword, options.AuthenticationType);
        Assert.Equal("s3cret", options.AuthenticationPassword);
        Assert.Equal(["192.168.1.100/24 dev eth0 label eth0:vip"], options.VirtualAddresses);
        Assert.Empty(options.UnicastPeers);
        Assert.True(options.Preempt);
        Assert.Equal(TimeSpan.Zero, options.PreemptDelay);
        Assert.True(options.AcceptMode);
        Assert.True(options.AdvertiseOnLowerPriority);
        Assert.False(options.AdvertiseOnHigherPriority);
        Assert.Equal(3, options.DownTimerAdverts);
        Assert.Equal(5, options.GarpMasterRepeat);
        Assert.Equal(TimeSpan.FromSeconds(5), options.GarpMasterDelay);
        Assert.Equal(TimeSpan.Zero, options.GarpMasterRefresh);
        Assert.Equal(1, options.GarpMasterRefreshRepeat);
        Assert.Equal(5, options.GarpLowerPriorityRepeat);
        Assert.False(options.UseVirtualMac);
        Assert.Empty(options.TrackedChecks);
    }

    [Fact]
    public void The_seed_round_trips_through_the_writer()
    {
        KeepalivedConfiguration first = Conf.Parse(Seed("MASTER", 100));

        KeepalivedConfiguration second = Conf.Parse(KeepalivedConfigurationWriter.Write(first));

        Assert.Equal(first.WithoutSource(), second.WithoutSource());
    }
}
