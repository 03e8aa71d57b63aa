using Vrrp.Packets;

namespace Vrrp.Keepalived;

/// <summary>
/// The VRRP and GARP keys of <c>global_defs</c>. A <see langword="null"/> value was not set; the <c>vrrp_*</c> defaults
/// here are applied to every instance that does not set its own, as keepalived does.
/// </summary>
public sealed record KeepalivedGlobalDefinitions
{
    /// <summary>Gets <c>router_id</c>, the name of this machine in notifications.</summary>
    public string? RouterId { get; init; }

    /// <summary>Gets <c>vrrp_no_swap</c>: the VRRP process's memory is locked, never swapped out.</summary>
    public bool NoSwap { get; init; }

    /// <summary>Gets <c>default_interface</c>: where a <c>static_ipaddress</c> without <c>dev</c> goes; keepalived's default is <c>eth0</c>.</summary>
    public string? DefaultInterface { get; init; }

    /// <summary>Gets <c>vrrp_version</c>, the default version of instances (keepalived's default: 2; IPv6 instances use 3).</summary>
    public VrrpVersion? VrrpVersion { get; init; }

    /// <summary>Gets <c>vrrp_garp_master_delay</c>, 0 to 255 s (keepalived's default 5 s).</summary>
    public TimeSpan? GarpMasterDelay { get; init; }

    /// <summary>Gets <c>vrrp_garp_master_repeat</c>, 0 to 255 (keepalived's default 5).</summary>
    public int? GarpMasterRepeat { get; init; }

    /// <summary>
    /// Gets a value indicating whether <c>vrrp_min_garp</c> is set: one gratuitous ARP (or NA) on becoming master, at
    /// once, and no refresh, for what the file leaves at keepalived's defaults.
    /// </summary>
    public bool MinGarp { get; init; }

    /// <summary>Gets <c>vrrp_garp_extra_if</c>'s period, 0 to 86400 s: the default of the instances' <see cref="KeepalivedInstance.GarpExtraInterfaces"/>.</summary>
    public TimeSpan? GarpExtraInterfaces { get; init; }

    /// <summary>Gets a value indicating whether <c>vrrp_garp_extra_if</c> says <c>all</c>.</summary>
    public bool GarpExtraInterfacesAll { get; init; }

    /// <summary>Gets <c>vrrp_garp_master_refresh</c>, 0 (none, the default) to 86400 s.</summary>
    public TimeSpan? GarpMasterRefresh { get; init; }

    /// <summary>Gets <c>vrrp_garp_master_refresh_repeat</c>, 1 to 255 (default 1).</summary>
    public int? GarpMasterRefreshRepeat { get; init; }

    /// <summary>Gets <c>vrrp_garp_lower_prio_delay</c>, 0 to 255 s (default: the master delay).</summary>
    public TimeSpan? GarpLowerPriorityDelay { get; init; }

    /// <summary>Gets <c>vrrp_garp_lower_prio_repeat</c>, 0 to 255 (default: the master repeat).</summary>
    public int? GarpLowerPriorityRepeat { get; init; }

    /// <summary>Gets <c>vrrp_garp_interval</c>, the gap between gratuitous ARPs on an interface, 0 to 1 s.</summary>
    public TimeSpan? GarpInterval { get; init; }

    /// <summary>Gets <c>vrrp_gna_interval</c>, the gap between unsolicited NAs on an interface, 0 to 1 s.</summary>
    public TimeSpan? GnaInterval { get; init; }

    /// <summary>Gets <c>vrrp_down_timer_adverts</c>, 1 to 100 (default 3).</summary>
    public int? DownTimerAdverts { get; init; }

    /// <summary>Gets <c>vrrp_lower_prio_no_advert</c>: a master does not answer a lower priority advertisement (default off, on with strict).</summary>
    public bool? LowerPriorityNoAdvert { get; init; }

    /// <summary>Gets <c>vrrp_higher_prio_send_advert</c>: a master yielding to a higher priority sends one more advertisement first.</summary>
    public bool? HigherPrioritySendAdvert { get; init; }

    /// <summary>Gets a value indicating whether <c>vrrp_check_unicast_src</c> is set: unicast advertisements must come from a configured peer.</summary>
    public bool CheckUnicastSource { get; init; }

    /// <summary>Gets a value indicating whether <c>vrrp_skip_check_adv_addr</c> is set: the address list of an advertisement from the current master is not checked.</summary>
    public bool SkipCheckAdvertAddress { get; init; }

    /// <summary>Gets a value indicating whether <c>vrrp_strict</c> is set: RFC behaviour (no_accept unless owner, lower_prio_no_advert).</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// Gets <c>nftables</c>: null when absent, "" when given without a name, else the table's name. vrrpd's
    /// firewall for no_accept and vrrp_strict uses nftables in any case; without a name, its table is <c>vrrpd</c>.
    /// </summary>
    public string? Nftables { get; init; }

    /// <summary>Gets a value indicating whether <c>nftables_counters</c> is set: each firewall rule counts what it matches.</summary>
    public bool NftablesCounters { get; init; }

    /// <summary>Gets <c>nftables_priority</c>, the priority of the firewall's chains (-1 when absent).</summary>
    public int? NftablesPriority { get; init; }

    /// <summary>Gets <c>vrrp_startup_delay</c>, 0 to 3600 s.</summary>
    public TimeSpan? StartupDelay { get; init; }

    /// <summary>Gets <c>vrrp_mcast_group4</c>, the IPv4 multicast group (default 224.0.0.18).</summary>
    public string? MulticastGroup4 { get; init; }

    /// <summary>Gets <c>vrrp_mcast_group6</c>, the IPv6 multicast group (default ff02::12).</summary>
    public string? MulticastGroup6 { get; init; }

    /// <summary>Gets <c>script_user USER [GROUP]</c>, the default user scripts run as.</summary>
    public string? ScriptUser { get; init; }

    /// <summary>Gets a value indicating whether <c>enable_script_security</c> is set: scripts writable by non-root users are not run as root.</summary>
    public bool EnableScriptSecurity { get; init; }

    /// <summary>Gets <c>notify_fifo</c>, a FIFO that receives every state change.</summary>
    public string? NotifyFifo { get; init; }

    /// <summary>Gets <c>notify_fifo_script</c>, a script started to read <see cref="NotifyFifo"/>.</summary>
    public string? NotifyFifoScript { get; init; }

    /// <summary>Gets <c>vrrp_notify_fifo</c>, a FIFO that receives VRRP state changes.</summary>
    public string? VrrpNotifyFifo { get; init; }

    /// <summary>Gets <c>vrrp_notify_fifo_script</c>, a script started to read <see cref="VrrpNotifyFifo"/>.</summary>
    public string? VrrpNotifyFifoScript { get; init; }

    /// <summary>Gets <c>max_auto_priority</c>, −1 to 99 (without a value, 99: the largest).</summary>
    public int? MaxAutoPriority { get; init; }

    /// <summary>Gets <c>vrrp_rt_priority</c>, 1 to 99: the real-time priority of the protocol threads.</summary>
    public int? RealTimePriority { get; init; }

    /// <summary>Gets a value indicating whether <c>disable_local_igmp</c> is set: no IGMP reports for 224.0.0.0/24 while vrrpd runs.</summary>
    public bool DisableLocalIgmp { get; init; }

    /// <summary>Gets <c>vrrp_priority</c>, -20 to 19: the nice value of the protocol threads at normal scheduling.</summary>
    public int? ProcessPriority { get; init; }

    /// <summary>Gets <c>vrrp_cpu_affinity</c>: the CPUs the process is pinned to.</summary>
    public IReadOnlyList<int>? CpuAffinity { get; init; }

    /// <summary>Gets <c>vrrp_rlimit_rttime</c> (or the older <c>vrrp_rlimit_rtime</c>; written in microseconds, 2 to 4,294,967,295): the most CPU time a protocol thread at real-time priority may use without a blocking call.</summary>
    public TimeSpan? RealTimeLimit { get; init; }

    /// <summary>Gets <c>min_auto_priority_delay</c> (written in microseconds, 1 to 10,000,000): how late a timer must be before <see cref="MaxAutoPriority"/> raises the priority.</summary>
    public TimeSpan? MinAutoPriorityDelay { get; init; }
}
