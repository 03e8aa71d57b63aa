using Vrrp.Packets;

namespace Vrrp.Keepalived.Tests;

/// <summary>Every vrrp_instance keyword: its value, its default, and the error for a bad value with its line.</summary>
public sealed class InstanceKeywordTests
{
    public static TheoryData<string, Func<KeepalivedInstance, object?>, object?> Values => new()
    {
        { "state MASTER", static i => i.State, KeepalivedState.Master },
        { "state BACKUP", static i => i.State, KeepalivedState.Backup },
        { "priority 254", static i => i.Priority, 254 },
        { "priority 255", static i => i.CreateOptions().Owner, true },
        { "advert_int 0.5\n version 3", static i => i.AdvertisementInterval, TimeSpan.FromMilliseconds(500) },
        { "advert_int 3", static i => i.AdvertisementInterval, TimeSpan.FromSeconds(3) },
        { "version 3", static i => i.Version, VrrpVersion.V3 },
        { "version 2", static i => i.Version, VrrpVersion.V2 },
        { "nopreempt", static i => i.Preempt, false },
        { "preempt", static i => i.Preempt, true },
        { "preempt_delay 4.12", static i => i.PreemptDelay, TimeSpan.FromSeconds(4.12) },
        { "accept", static i => i.AcceptMode, true },
        { "no_accept", static i => i.AcceptMode, false },
        { "authentication {\n auth_type AH\n auth_pass k\n}", static i => (i.AuthenticationType, i.AuthenticationPassword), (VrrpAuthenticationType.IPAuthenticationHeader, "k") },
        { "authentication {\n auth_type PASS\n auth_pass 12345678\n}", static i => (i.AuthenticationType, i.AuthenticationPassword), (VrrpAuthenticationType.SimplePassword, "12345678") },
        { "unicast_src_ip 192.0.2.1", static i => i.SourceAddress, "192.0.2.1" },
        { "mcast_src_ip 192.0.2.2", static i => i.SourceAddress, "192.0.2.2" },
        { "unicast_peer {\n 192.0.2.2\n 192.0.2.3 min_ttl 1\n}", static i => string.Join(",", i.UnicastPeers), "192.0.2.2,192.0.2.3" },
        { "unicast_peer {\n 192.0.2.2 min_ttl 250 max_ttl 255\n 192.0.2.3 min_ttl 250\n}", static i => (i.CreateOptions().UnicastMinimumHopLimit, i.CreateOptions().UnicastMaximumHopLimit), (250, 255) },
        { "virtual_ipaddress_excluded {\n 203.0.113.5/24 dev eth1 scope link\n}", static i => i.ExcludedVirtualAddresses[0], new KeepalivedVirtualAddress("203.0.113.5/24", Device: "eth1", Scope: "link") },
        { "use_vmac", static i => (i.UseVirtualMac, i.VirtualMacInterface), (true, (string?)null) },
        { "use_vmac vrrp.51", static i => (i.UseVirtualMac, i.VirtualMacInterface), (true, "vrrp.51") },
        { "garp_master_delay 10", static i => i.GarpMasterDelay, TimeSpan.FromSeconds(10) },
        { "garp_master_repeat 1", static i => i.GarpMasterRepeat, 1 },
        { "garp_master_refresh 60", static i => i.GarpMasterRefresh, TimeSpan.FromSeconds(60) },
        { "garp_master_refresh_repeat 2", static i => i.GarpMasterRefreshRepeat, 2 },
        { "garp_lower_prio_delay 7", static i => i.GarpLowerPriorityDelay, TimeSpan.FromSeconds(7) },
        { "garp_lower_prio_repeat 3", static i => i.GarpLowerPriorityRepeat, 3 },
        { "garp_master_repeat 2", static i => i.GarpLowerPriorityRepeat, 2 },
        { "garp_master_delay 9", static i => i.GarpLowerPriorityDelay, TimeSpan.FromSeconds(9) },
        { "lower_prio_no_advert", static i => i.LowerPriorityNoAdvert, true },
        { "lower_prio_no_advert off", static i => i.CreateOptions().AdvertiseOnLowerPriority, true },
        { "lower_prio_no_advert yes", static i => i.CreateOptions().AdvertiseOnLowerPriority, false },
        { "higher_prio_send_advert", static i => i.CreateOptions().AdvertiseOnHigherPriority, true },
        { "higher_prio_send_advert false", static i => i.HigherPrioritySendAdvert, false },
        { "down_timer_adverts 5", static i => i.CreateOptions().DownTimerAdverts, 5 },
        { "track_interface {\n eth1\n eth2 weight -20 reverse\n}", static i => string.Join(";", i.TrackInterfaces), "KeepalivedTrack { Name = eth1, Weight = , Reverse =  };KeepalivedTrack { Name = eth2, Weight = -20, Reverse = True }" },
        { "notify /n.sh", static i => i.Notify, "/n.sh" },
        { "notify_master /m.sh", static i => i.NotifyMaster, "/m.sh" },
        { "notify_backup /b.sh", static i => i.NotifyBackup, "/b.sh" },
        { "notify_fault /f.sh", static i => i.NotifyFault, "/f.sh" },
        { "notify_stop /s.sh", static i => i.NotifyStop, "/s.sh" },
        { "notify_master_rx_lower_pri /l.sh", static i => i.NotifyMasterRxLowerPriority, "/l.sh" },
    };

    public static TheoryData<string, string> OutOfRange => new()
    {
        { "state STANDBY", "state must be MASTER or BACKUP; got STANDBY" },
        { "priority 0", "priority must be 1 to 255; got 0" },
        { "priority 256", "priority must be 1 to 255; got 256" },
        { "priority high", "priority must be 1 to 255; got high" },
        { "priority", "priority needs a value: 1 to 255" },
        { "advert_int 0", "advert_int must be 0.01 to 255 seconds; got 0" },
        { "advert_int 300", "advert_int must be 0.01 to 255 seconds; got 300" },
        { "version 4", "version must be 2 to 3; got 4" },
        { "preempt_delay 1001", "preempt_delay must be 0 to 1000 seconds; got 1001" },
        { "garp_master_delay 256", "garp_master_delay must be 0 to 255 seconds; got 256" },
        { "garp_master_repeat 256", "garp_master_repeat must be 0 to 255; got 256" },
        { "garp_master_refresh 86401", "garp_master_refresh must be 0 to 86400 seconds; got 86401" },
        { "garp_master_refresh_repeat 0", "garp_master_refresh_repeat must be 1 to 255; got 0" },
        { "garp_lower_prio_delay -1", "garp_lower_prio_delay must be 0 to 255 seconds; got -1" },
        { "garp_lower_prio_repeat 1000", "garp_lower_prio_repeat must be 0 to 255; got 1000" },
        { "lower_prio_no_advert maybe", "lower_prio_no_advert must be one of on, off, true, false, yes, no (or nothing, meaning on); got maybe" },
        { "down_timer_adverts 101", "down_timer_adverts must be 1 to 100; got 101" },
        { "track_interface {\n eth1 weight 254\n}", "track_interface eth1: weight must be -253 to 253; got 254" },
        { "track_script {\n chk_missing\n}", "track_script names 'chk_missing', which is no vrrp_script" },
        { "track_file {\n tf_missing\n}", "track_file names 'tf_missing', which is no vrrp_track_file" },
        { "authentication {\n auth_type MD5\n auth_pass x\n}", "auth_type must be PASS or AH; got MD5" },
        { "notify", "notify needs a value: a script" },
        { "virtual_ipaddress {\n 192.0.2.300/24\n}", "virtual_ipaddress: '192.0.2.300/24' must be an IP address with an optional /prefix (0 to 32 for IPv4, 0 to 128 for IPv6)" },
        { "virtual_ipaddress {\n 192.0.2.3/33\n}", "virtual_ipaddress: '192.0.2.3/33' must be an IP address with an optional /prefix (0 to 32 for IPv4, 0 to 128 for IPv6)" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void A_keyword_sets_its_value(string line, Func<KeepalivedInstance, object?> read, object? expected)
    {
        KeepalivedInstance instance = Conf.ParseInstance(line);

        Assert.Equal(expected, read(instance));
        Assert.Empty(instance.CreateOptions().Validate());
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void A_bad_value_fails_naming_the_keyword_the_range_and_the_line(string line, string message)
    {
        KeepalivedConfigurationException error = Conf.Errors(Conf.Instance(line));

        KeepalivedDiagnostic diagnostic = Assert.Single(error.Errors);
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal(Conf.File, diagnostic.File);
        Assert.InRange(diagnostic.Line, 6, 7);
        Assert.Contains($"{Conf.File}:{diagnostic.Line}: {message}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_error_reads_as_keepalived_prints_it()
    {
        KeepalivedConfigurationException error = Conf.Errors("\n\n\n\n\n\n\n\n\n\nvrrp_instance VI_1 {\n virtual_router_id 300\n interface eth0\n}\n");

        Assert.Equal($"{Conf.File}:12: virtual_router_id must be 1 to 255; got 300", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void Every_default_is_keepalived_s()
    {
        KeepalivedInstance i = Conf.ParseInstance(string.Empty);

        Assert.Equal(KeepalivedState.Backup, i.State);
        Assert.Equal(100, i.Priority);
        Assert.Equal(TimeSpan.FromSeconds(1), i.AdvertisementInterval);
        Assert.Equal(VrrpVersion.V2, i.Version);
        Assert.True(i.Preempt);
        Assert.Equal(TimeSpan.Zero, i.PreemptDelay);
        Assert.True(i.AcceptMode);
        Assert.Equal(VrrpAuthenticationType.None, i.AuthenticationType);
        Assert.Null(i.AuthenticationPassword);
        Assert.Null(i.SourceAddress);
        Assert.Empty(i.UnicastPeers);
        Assert.Empty(i.ExcludedVirtualAddresses);
        Assert.False(i.UseVirtualMac);
        Assert.Equal(TimeSpan.FromSeconds(5), i.GarpMasterDelay);
        Assert.Equal(5, i.GarpMasterRepeat);
        Assert.Equal(TimeSpan.Zero, i.GarpMasterRefresh);
        Assert.Equal(1, i.GarpMasterRefreshRepeat);
        Assert.Equal(TimeSpan.FromSeconds(5), i.GarpLowerPriorityDelay);
        Assert.Equal(5, i.GarpLowerPriorityRepeat);
        Assert.False(i.LowerPriorityNoAdvert);
        Assert.False(i.HigherPrioritySendAdvert);
        Assert.Equal(3, i.DownTimerAdverts);
        Assert.Equal(TimeSpan.Zero, i.StartupDelay);
        Assert.Empty(i.TrackScripts);
        Assert.Empty(i.TrackInterfaces);
        Assert.Empty(i.TrackFiles);
        Assert.Null(i.Notify);
    }

    [Fact]
    public void IPv6_addresses_make_a_VRRPv3_instance_unless_a_version_is_given()
    {
        KeepalivedInstance instance = Assert.Single(Conf.Parse("vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1/64\n  2001:db8::1/64\n }\n}\n").Instances);

        Assert.Equal(VrrpVersion.V3, instance.Version);
        Assert.Equal(["fe80::1/64", "2001:db8::1/64"], instance.CreateOptions().VirtualAddresses);
    }

    [Fact]
    public void The_core_validation_runs_with_the_instance_line()
    {
        KeepalivedConfigurationException error = Conf.Errors(Conf.Instance("    version 3\n    advert_int 50"));

        Assert.Equal($"{Conf.File}:3: vrrp_instance VI_1: AdvertisementInterval must be 10 ms to 40.95 s in 10 ms steps for VRRPv3; got 50000 ms.", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void VRRPv3_authentication_is_ignored_and_a_fractional_v2_interval_rounded_with_warnings_as_keepalived_does()
    {
        // keepalived 2.2.7 -t: "(VI_2) VRRP version 3 does not support authentication. Ignoring." and "(VI_1) VRRPv2
        // advertisement interval 1.500000s must be an integer. rounding". Before: both refused.
        KeepalivedInstance v3 = Conf.ParseInstance("    version 3\n    authentication {\n auth_type PASS\n auth_pass x\n }");
        Assert.Equal(Packets.VrrpAuthenticationType.None, v3.AuthenticationType);

        KeepalivedConfiguration v2 = Conf.Parse(Conf.Instance("    advert_int 1.5"));
        Assert.Equal(TimeSpan.FromSeconds(2), v2.Instances[0].AdvertisementInterval);
        Assert.Contains(v2.Warnings, w => w.Line == 6 && w.Message.Contains("1.5 s rounded to 2 s", StringComparison.Ordinal));
    }

    [Fact]
    public void A_password_longer_than_8_bytes_is_cut_with_a_warning_as_keepalived_does()
    {
        KeepalivedConfiguration configuration = Conf.Parse(Conf.Instance("authentication {\n auth_type PASS\n auth_pass 123456789abc\n}"));

        Assert.Equal("12345678", Assert.Single(configuration.Instances).AuthenticationPassword);
        Assert.Contains("longer than 8 bytes", Assert.Single(configuration.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_interface_and_vrid_are_errors_at_the_instance_line()
    {
        KeepalivedConfigurationException error = Conf.Errors("\nvrrp_instance X {\n priority 100\n}\n");

        Assert.Equal(
            [$"{Conf.File}:2: vrrp_instance X: interface is missing", $"{Conf.File}:2: vrrp_instance X: virtual_router_id is missing (1 to 255)"],
            error.Errors.Select(static e => e.ToString()));
    }

    [Fact]
    public void Native_ipv6_makes_the_instance_ipv6_and_vrrpv3_and_is_refused_after_an_ipv4_address()
    {
        // keepalived 2.2.7: family IPv6 and version 3; "Cannot specify native_ipv6 with IPv4 addresses" when an IPv4
        // address came first. Before: "'native_ipv6' is not supported here; ignored".
        KeepalivedCheckResult result = Conf.Check("global_defs {\n    vrrp_version 2\n}\n" + Conf.Instance("    native_ipv6\n    virtual_ipaddress {\n        2001:db8:51::10/64\n    }").Replace("        192.0.2.10/24\n", string.Empty, StringComparison.Ordinal));
        Assert.True(result.IsValid, Conf.Lines(result.Errors));
        KeepalivedInstance instance = Assert.Single(result.Configuration!.Instances);
        Assert.True(instance.NativeIPv6);
        Assert.Equal(VrrpVersion.V3, instance.Version);
        Assert.Equal(["2001:db8:51::10/64"], instance.VirtualAddresses.Select(static a => a.Address));

        // With IPv4 addresses only, nothing is left of an IPv6 instance: keepalived does not run it; vrrpd refuses it.
        KeepalivedCheckResult empty = Conf.Check(Conf.Instance("    native_ipv6"));
        Assert.Contains(empty.Errors, e => e.Message.Contains("native_ipv6 with no IPv6 virtual address", StringComparison.Ordinal));

        KeepalivedCheckResult refused = Conf.Check(Conf.Instance("    unicast_src_ip 198.51.100.1\n    native_ipv6"));
        Assert.Contains(refused.Warnings, w => w.Line == 7 && w.Message.Contains("Cannot specify native_ipv6 with IPv4 addresses", StringComparison.Ordinal));
        Assert.False(Assert.Single(refused.Configuration!.Instances).NativeIPv6);
    }
}
