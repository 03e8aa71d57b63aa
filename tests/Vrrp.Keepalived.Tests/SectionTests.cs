namespace Vrrp.Keepalived.Tests;

/// <summary>vrrp_script, vrrp_track_file, vrrp_sync_group, and the checks across sections.</summary>
public sealed class SectionTests
{
    [Fact]
    public void A_vrrp_script_reads_every_keyword_and_its_defaults()
    {
        KeepalivedConfiguration configuration = Conf.Parse("""
            vrrp_script full {
                script /usr/bin/killall -0 'my haproxy'
                interval 0.5
                timeout 2
                rise 4
                fall 5
                weight 10 reverse
                user nobody nogroup
                init_fail
            }
            vrrp_script bare {
                script "/bin/true"
            }
            """);

        KeepalivedScript full = configuration.Scripts[0];
        Assert.Equal("/usr/bin/killall -0 'my haproxy'", full.Command);
        Assert.Equal((TimeSpan.FromSeconds(0.5), (TimeSpan?)TimeSpan.FromSeconds(2), 4, 5, 10, true, "nobody nogroup", true), (full.Interval, full.Timeout, full.Rise, full.Fall, full.Weight, full.WeightReverse, full.User, full.InitFail));
        KeepalivedScript bare = configuration.Scripts[1];
        Assert.Equal((TimeSpan.FromSeconds(1), (TimeSpan?)null, 1, 1, 0, false, (string?)null, false), (bare.Interval, bare.Timeout, bare.Rise, bare.Fall, bare.Weight, bare.WeightReverse, bare.User, bare.InitFail));
    }

    [Theory]
    [InlineData("weight 254", "weight must be -253 to 253; got 254")]
    [InlineData("weight -254", "weight must be -253 to 253; got -254")]
    [InlineData("interval 0", "interval must be 0.001 to 86400 seconds; got 0")]
    [InlineData("rise 0", "rise must be 1 to 65535; got 0")]
    [InlineData("fall x", "fall must be 1 to 65535; got x")]
    [InlineData("timeout -1", "timeout must be 0.001 to 86400 seconds; got -1")]
    [InlineData("weight 5 sideways", "weight takes N [reverse]; got sideways")]
    public void A_vrrp_script_value_out_of_range_fails_with_its_line(string line, string message)
    {
        KeepalivedConfigurationException error = Conf.Errors($"vrrp_script chk {{\n script /bin/true\n {line}\n}}\n");

        Assert.Equal($"{Conf.File}:3: {message}", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void A_vrrp_script_without_script_fails()
    {
        KeepalivedConfigurationException error = Conf.Errors("\nvrrp_script chk {\n interval 2\n}\n");

        Assert.Equal($"{Conf.File}:2: vrrp_script chk: script is missing (the command to run)", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void A_track_file_reads_file_weight_and_init_file_and_is_tracked_by_name()
    {
        KeepalivedConfiguration configuration = Conf.Parse("""
            vrrp_track_file tf_maint {
                file /var/run/maint
                weight -5 reverse
                init_file 3 overwrite
            }
            track_file tf_plain {
                file "/var/run/plain"
                init_file
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    192.0.2.10/24
                }
                track_file {
                    tf_maint weight 20
                    tf_plain
                }
            }
            """);

        Assert.Equal(("/var/run/maint", -5, true, (int?)3, true), (configuration.TrackFiles[0].File, configuration.TrackFiles[0].Weight, configuration.TrackFiles[0].WeightReverse, configuration.TrackFiles[0].InitFileValue, configuration.TrackFiles[0].InitFileOverwrite));
        Assert.Equal(("/var/run/plain", 1, (int?)0, false), (configuration.TrackFiles[1].File, configuration.TrackFiles[1].Weight, configuration.TrackFiles[1].InitFileValue, configuration.TrackFiles[1].InitFileOverwrite));
        Assert.Equal([new KeepalivedTrack("tf_maint", 20), new KeepalivedTrack("tf_plain")], configuration.Instances[0].TrackFiles);
    }

    [Theory]
    [InlineData("weight 255", "weight must be -254 to 254; got 255")]
    [InlineData("init_file x", "init_file must be -2147483648 to 2147483647; got x")]
    [InlineData("init_file 1 always", "init_file takes [VALUE] [overwrite]; got always")]
    public void A_track_file_value_out_of_range_fails_with_its_line(string line, string message)
    {
        KeepalivedConfigurationException error = Conf.Errors($"vrrp_track_file tf {{\n file /f\n {line}\n}}\n");

        Assert.Equal($"{Conf.File}:3: {message}", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void A_sync_group_reads_members_tracking_and_notify()
    {
        KeepalivedConfiguration configuration = Conf.Parse("""
            vrrp_script chk { script /bin/true }
            vrrp_sync_group G1 {
                group {
                    INSIDE
                    OUTSIDE
                }
                track_script {
                    chk weight 0
                }
                track_interface {
                    eth2
                }
                notify_master "/etc/keepalived/master.sh G1"
                notify_backup /b
                notify_fault /f
                notify_stop /s
                notify /n
            }
            vrrp_instance INSIDE {
                interface eth0
                virtual_router_id 1
                virtual_ipaddress { 10.0.0.1/24 }
            }
            vrrp_instance OUTSIDE {
                interface eth1
                virtual_router_id 2
                virtual_ipaddress { 198.51.100.1/24 }
            }
            """);

        KeepalivedSyncGroup group = Assert.Single(configuration.SyncGroups);
        Assert.Equal(["INSIDE", "OUTSIDE"], group.Group);
        Assert.Equal([new KeepalivedTrack("chk", 0)], group.TrackScripts);
        Assert.Equal([new KeepalivedTrack("eth2")], group.TrackInterfaces);
        Assert.Equal(("/etc/keepalived/master.sh G1", "/b", "/f", "/s", "/n"), (group.NotifyMaster, group.NotifyBackup, group.NotifyFault, group.NotifyStop, group.Notify));
        Assert.Equal(new KeepalivedSourceLocation(Conf.File, 2), group.Source);
    }

    [Fact]
    public void A_sync_group_naming_an_unknown_instance_or_sharing_one_fails()
    {
        KeepalivedConfigurationException error = Conf.Errors("""
            vrrp_instance A {
                interface eth0
                virtual_router_id 1
                virtual_ipaddress { 10.0.0.1 }
            }
            vrrp_sync_group G1 { group { A GHOST } }
            vrrp_sync_group G2 { group { A } }
            """);

        Assert.Equal(
            [$"{Conf.File}:6: vrrp_sync_group G1: group names 'GHOST', which is no vrrp_instance", $"{Conf.File}:7: vrrp_sync_group G2: vrrp_instance A is already in vrrp_sync_group G1; an instance can be in one group only"],
            error.Errors.Select(static e => e.ToString()));
    }

    [Fact]
    public void The_same_VRID_on_one_interface_and_family_fails_but_other_family_or_interface_is_fine()
    {
        KeepalivedConfigurationException error = Conf.Errors("""
            vrrp_instance A {
                interface eth0
                virtual_router_id 7
                virtual_ipaddress { 10.0.0.1 }
            }
            vrrp_instance B6 {
                interface eth0
                virtual_router_id 7
                virtual_ipaddress { fe80::7 }
            }
            vrrp_instance C {
                interface eth1
                virtual_router_id 7
                virtual_ipaddress { 10.0.1.1 }
            }
            vrrp_instance D {
                interface eth0
                virtual_router_id 7
                virtual_ipaddress { 10.0.2.1 }
            }
            """);

        Assert.Equal($"{Conf.File}:16: vrrp_instance D: virtual_router_id 7 is already used on eth0 for IPv4 by vrrp_instance A ({Conf.File}:1); each VRID must be unique per interface and family", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void Duplicate_names_fail()
    {
        KeepalivedConfigurationException error = Conf.Errors("""
            vrrp_script s { script /a }
            vrrp_script s { script /b }
            vrrp_instance A {
                interface eth0
                virtual_router_id 1
                virtual_ipaddress { 10.0.0.1 }
            }
            vrrp_instance A {
                interface eth1
                virtual_router_id 2
                virtual_ipaddress { 10.0.0.2 }
            }
            """);

        Assert.Equal(
            [$"{Conf.File}:2: vrrp_script s is defined twice (first at {Conf.File}:1)", $"{Conf.File}:8: vrrp_instance A is defined twice (first at {Conf.File}:3)"],
            error.Errors.Select(static e => e.ToString()));
    }

    [Fact]
    public void Every_error_is_listed_not_just_the_first()
    {
        KeepalivedCheckResult result = Conf.Check(Conf.Instance("priority 0\n advert_int x\n state UP"));

        Assert.False(result.IsValid);
        Assert.Null(result.Configuration);
        Assert.Equal([6, 7, 8], result.Errors.Select(static e => e.Line));
    }
}
