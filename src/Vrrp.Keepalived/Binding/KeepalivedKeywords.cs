namespace Vrrp.Keepalived.Binding;

/// <summary>keepalived keywords this package knows but does not bind: whole non-VRRP sections, and VRRP knobs the core has no equivalent for.</summary>
internal static class KeepalivedKeywords
{
    private static readonly HashSet<string> s_nonVrrp = new(StringComparer.Ordinal)
    {
        "virtual_server", "virtual_server_group", "real_server", "sorry_server",
        "bfd_instance", "linkbeat_interfaces", "garp_group",
        "net_namespace", "net_namespace_ipvs", "instance", "use_pid_dir", "interface_up_down_delays", "SSL", "ssl",
        "notification_email", "notification_email_from", "enable_traps", "dynamic_interfaces", "process_names",
        "process_name", "vrrp_process_name", "checker_process_name", "bfd_process_name", "snmp_socket",
        "enable_dbus", "dbus_service_name", "umask", "no_email_faults", "startup_script", "shutdown_script",
        "startup_script_timeout", "shutdown_script_timeout", "local_address_group",
    };

    private static readonly string[] s_nonVrrpPrefixes = ["smtp_", "lvs_", "checker_", "bfd_", "enable_snmp", "snmp_", "ipvs_", "nftables_ipvs", "dbus_"];

    private static readonly HashSet<string> s_unsupportedVrrp = new(StringComparer.Ordinal)
    {
        "debug", "smtp_alert", "use_vmac_addr", "use_ipvlan", "vrf",
        "mcast_dst_ip", "old_unicast_checksum",
        "track_bfd", "notify_priority_changes",
        "kernel_rx_buf_size", "linkbeat_use_polling", "strict_mode", "notify_deleted",
        "global_tracking", "sync_group_tracking_weight", "vrrp_iptables",
        "vrrp_ipsets", "nftables_ifindex",
        "vrrp_netlink_cmd_rcv_bufs",
        "vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs_force",
        "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier", "vrrp_garp_interval_per_interface", "vrrp_check_adv_addr",
        "vrrp_lower_prio_no_advert_strict", "vrrp_use_lvs_sync_daemon", "vrrp_notify_priority_changes",
        "v3_checksum_as_v2", "vmac_address", "track_interface_weight",
    };

    public static bool IsNonVrrp(string keyword)
    {
        if (s_nonVrrp.Contains(keyword))
        {
            return true;
        }

        foreach (string prefix in s_nonVrrpPrefixes)
        {
            if (keyword.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsUnsupportedVrrp(string keyword) => s_unsupportedVrrp.Contains(keyword);
}
