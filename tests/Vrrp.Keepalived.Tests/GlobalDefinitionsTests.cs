using Vrrp.Packets;

namespace Vrrp.Keepalived.Tests;

/// <summary>Every VRRP key of global_defs: its value, how it becomes an instance default, and its range error.</summary>
public sealed class GlobalDefinitionsTests
{
    public static TheoryData<string, Func<KeepalivedConfiguration, object?>, object?> Values => new()
    {
        { "router_id lb-1", static c => c.GlobalDefinitions.RouterId, "lb-1" },
        { "vrrp_version 3", static c => (c.GlobalDefinitions.VrrpVersion, c.Instances[0].Version), ((VrrpVersion?)VrrpVersion.V3, VrrpVersion.V3) },
        { "vrrp_garp_master_delay 10", static c => c.Instances[0].GarpMasterDelay, TimeSpan.FromSeconds(10) },
        { "vrrp_garp_master_delay 8", static c => c.Instances[0].GarpLowerPriorityDelay, TimeSpan.FromSeconds(8) },
        { "vrrp_garp_master_repeat 1", static c => (c.Instances[0].GarpMasterRepeat, c.Instances[0].GarpLowerPriorityRepeat), (1, 1) },
        { "vrrp_garp_master_refresh 60", static c => c.Instances[0].GarpMasterRefresh, TimeSpan.FromSeconds(60) },
        { "vrrp_garp_master_refresh_repeat 2", static c => c.Instances[0].GarpMasterRefreshRepeat, 2 },
        { "vrrp_garp_lower_prio_delay 3", static c => c.Instances[0].GarpLowerPriorityDelay, TimeSpan.FromSeconds(3) },
        { "vrrp_garp_lower_prio_repeat 4", static c => c.Instances[0].GarpLowerPriorityRepeat, 4 },
        { "vrrp_garp_interval 0.001", static c => c.GlobalDefinitions.GarpInterval, TimeSpan.FromMilliseconds(1) },
        { "vrrp_gna_interval 0.000001", static c => c.GlobalDefinitions.GnaInterval, TimeSpan.FromTicks(10) },
        { "vrrp_down_timer_adverts 4", static c => c.Instances[0].DownTimerAdverts, 4 },
        { "vrrp_lower_prio_no_advert", static c => c.Instances[0].LowerPriorityNoAdvert, true },
        { "vrrp_lower_prio_no_advert false", static c => c.GlobalDefinitions.LowerPriorityNoAdvert, false },
        { "vrrp_higher_prio_send_advert on", static c => c.Instances[0].HigherPrioritySendAdvert, true },
        { "vrrp_check_unicast_src", static c => c.GlobalDefinitions.CheckUnicastSource, true },
        { "vrrp_skip_check_adv_addr", static c => c.GlobalDefinitions.SkipCheckAdvertAddress, true },
        { "vrrp_strict", static c => (c.GlobalDefinitions.Strict, c.Instances[0].AcceptMode, c.Instances[0].LowerPriorityNoAdvert), (true, false, true) },
        { "vrrp_startup_delay 5.5", static c => c.Instances[0].CreateOptions().StartupDelay, TimeSpan.FromSeconds(5.5) },
        { "vrrp_mcast_group4 224.0.0.19", static c => c.GlobalDefinitions.MulticastGroup4, "224.0.0.19" },
        { "vrrp_mcast_group6 ff02::13", static c => c.GlobalDefinitions.MulticastGroup6, "ff02::13" },
        { "script_user keepalived_script keepalived", static c => c.GlobalDefinitions.ScriptUser, "keepalived_script keepalived" },
        { "enable_script_security", static c => c.GlobalDefinitions.EnableScriptSecurity, true },
        { "notify_fifo /run/keepalived.fifo", static c => c.GlobalDefinitions.NotifyFifo, "/run/keepalived.fifo" },
        { "notify_fifo_script /usr/local/bin/fifo.sh", static c => c.GlobalDefinitions.NotifyFifoScript, "/usr/local/bin/fifo.sh" },
        { "vrrp_notify_fifo /run/vrrp.fifo", static c => c.GlobalDefinitions.VrrpNotifyFifo, "/run/vrrp.fifo" },
        { "vrrp_notify_fifo_script /usr/local/bin/vfifo.sh", static c => c.GlobalDefinitions.VrrpNotifyFifoScript, "/usr/local/bin/vfifo.sh" },
        { "max_auto_priority", static c => c.GlobalDefinitions.MaxAutoPriority, 99 },
        { "max_auto_priority 10", static c => c.GlobalDefinitions.MaxAutoPriority, 10 },
    };

    public static TheoryData<string, string> OutOfRange => new()
    {
        { "vrrp_version 1", "vrrp_version must be 2 to 3; got 1" },
        { "vrrp_garp_master_delay 300", "vrrp_garp_master_delay must be 0 to 255 seconds; got 300" },
        { "vrrp_garp_master_repeat -1", "vrrp_garp_master_repeat must be 0 to 255; got -1" },
        { "vrrp_garp_master_refresh 1e3", "vrrp_garp_master_refresh must be 0 to 86400 seconds; got 1e3" },
        { "vrrp_garp_master_refresh_repeat 0", "vrrp_garp_master_refresh_repeat must be 1 to 255; got 0" },
        { "vrrp_garp_lower_prio_delay 256", "vrrp_garp_lower_prio_delay must be 0 to 255 seconds; got 256" },
        { "vrrp_garp_lower_prio_repeat 256", "vrrp_garp_lower_prio_repeat must be 0 to 255; got 256" },
        { "vrrp_garp_interval 2", "vrrp_garp_interval must be 0 to 1 seconds; got 2" },
        { "vrrp_gna_interval x", "vrrp_gna_interval must be 0 to 1 seconds; got x" },
        { "vrrp_down_timer_adverts 0", "vrrp_down_timer_adverts must be 1 to 100; got 0" },
        { "vrrp_startup_delay 3601", "vrrp_startup_delay must be 0 to 3600 seconds; got 3601" },
        { "vrrp_mcast_group4 10.0.0.1", "vrrp_mcast_group4 must be an IPv4 multicast address; got 10.0.0.1" },
        { "vrrp_mcast_group6 2001:db8::1", "vrrp_mcast_group6 must be an IPv6 multicast address; got 2001:db8::1" },
        { "max_auto_priority 100", "max_auto_priority must be -1 to 99; got 100" },
        { "vrrp_higher_prio_send_advert 2", "vrrp_higher_prio_send_advert must be one of on, off, true, false, yes, no (or nothing, meaning on); got 2" },
        { "router_id", "router_id needs a value: a name" },
    };

    private static string With(string line) => $"global_defs {{\n    {line}\n}}\n" + Conf.Instance(string.Empty, before: string.Empty);

    [Theory]
    [MemberData(nameof(Values))]
    public void A_key_sets_its_value_and_the_instance_default(string line, Func<KeepalivedConfiguration, object?> read, object? expected)
    {
        KeepalivedConfiguration configuration = Conf.Parse(With(line));

        Assert.Equal(expected, read(configuration));
        Assert.Empty(configuration.Warnings.WithoutNotRun());
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void A_bad_value_fails_with_line_2(string line, string message)
    {
        KeepalivedConfigurationException error = Conf.Errors(With(line));

        Assert.Equal($"{Conf.File}:2: {message}", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void Without_global_defs_nothing_is_set()
    {
        Assert.Equal(new KeepalivedGlobalDefinitions(), Conf.Parse("global_defs {\n}\n" + Conf.Instance(string.Empty, before: string.Empty)).GlobalDefinitions);

        KeepalivedGlobalDefinitions g = new();
        Assert.Equal((null, null, null, null, null, null, null, null), (g.RouterId, g.VrrpVersion, g.GarpMasterDelay, g.GarpMasterRepeat, g.StartupDelay, g.LowerPriorityNoAdvert, g.MaxAutoPriority, g.NotifyFifo));
        Assert.Equal((false, false, false, false), (g.Strict, g.CheckUnicastSource, g.SkipCheckAdvertAddress, g.EnableScriptSecurity));
    }

    [Fact]
    public void An_instance_value_beats_the_global_default_wherever_global_defs_stands()
    {
        KeepalivedConfiguration configuration = Conf.Parse(Conf.Instance("garp_master_repeat 2", before: string.Empty) + "global_defs {\n vrrp_garp_master_repeat 9\n vrrp_garp_master_delay 1\n}\n");

        Assert.Equal(2, configuration.Instances[0].GarpMasterRepeat);
        Assert.Equal(TimeSpan.FromSeconds(1), configuration.Instances[0].GarpMasterDelay);
    }

    [Fact]
    public void Under_vrrp_strict_an_owner_accepts()
    {
        KeepalivedConfiguration configuration = Conf.Parse("global_defs {\n vrrp_strict\n}\n" + Conf.Instance("priority 255", before: string.Empty));

        Assert.True(configuration.Instances[0].AcceptMode);
    }
}
