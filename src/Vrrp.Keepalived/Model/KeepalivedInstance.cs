using Vrrp.Packets;

namespace Vrrp.Keepalived;

/// <summary>
/// A <c>vrrp_instance</c> with <c>global_defs</c> defaults applied as keepalived applies them. <see cref="CreateOptions"/>
/// gives the core's <see cref="VirtualRouterOptions"/>; tracking and notify scripts, which the core options do not
/// carry, are here as plain values.
/// </summary>
public sealed record KeepalivedInstance
{
    /// <summary>Gets the instance's name (<c>vrrp_instance NAME</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the initial state asked for (<c>state</c>). Default backup.</summary>
    public KeepalivedState State { get; init; }

    /// <summary>Gets the interface (<c>interface</c>).</summary>
    public string Interface { get; init; } = string.Empty;

    /// <summary>Gets the VRID, 1 to 255 (<c>virtual_router_id</c>).</summary>
    public int VirtualRouterId { get; init; }

    /// <summary>Gets the priority, 1 to 255 (<c>priority</c>); 255 makes the router the address owner. Default 100.</summary>
    public int Priority { get; init; } = 100;

    /// <summary>Gets the advertisement interval (<c>advert_int</c>). Default 1 s.</summary>
    public TimeSpan AdvertisementInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the version (<c>version</c>; default <c>vrrp_version</c>, else 2, or 3 for IPv6 addresses).</summary>
    public VrrpVersion Version { get; init; } = VrrpVersion.V2;

    /// <summary>Gets a value indicating whether a higher priority takes over (<c>nopreempt</c> clears it). Default on.</summary>
    public bool Preempt { get; init; } = true;

    /// <summary>Gets the preemption delay (<c>preempt_delay</c>), 0 to 1000 s.</summary>
    public TimeSpan PreemptDelay { get; init; }

    /// <summary>Gets the Accept_Mode (<c>accept</c> / <c>no_accept</c>; keepalived's default: on, or with <c>vrrp_strict</c> only for an owner).</summary>
    public bool AcceptMode { get; init; } = true;

    /// <summary>Gets the VRRPv2 authentication (<c>authentication { auth_type PASS|AH }</c>).</summary>
    public VrrpAuthenticationType AuthenticationType { get; init; }

    /// <summary>Gets the password or AH key (<c>auth_pass</c>); keepalived uses the first 8 bytes.</summary>
    public string? AuthenticationPassword { get; init; }

    /// <summary>Gets the source address of advertisements (<c>unicast_src_ip</c>, or <c>mcast_src_ip</c>).</summary>
    public string? SourceAddress { get; init; }

    /// <summary>Gets the unicast peers (<c>unicast_peer { }</c>); empty for multicast.</summary>
    public IReadOnlyList<string> UnicastPeers { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Gets the lowest TTL or hop limit accepted from the unicast peers (<c>min_ttl</c> on a peer); 0 when none is set.</summary>
    public int UnicastMinimumTtl { get; init; }

    /// <summary>Gets the highest TTL or hop limit accepted from the unicast peers (<c>max_ttl</c> on a peer); 255 when none is set.</summary>
    public int UnicastMaximumTtl { get; init; } = 255;

    /// <summary>Gets the virtual addresses (<c>virtual_ipaddress { }</c>).</summary>
    public IReadOnlyList<KeepalivedVirtualAddress> VirtualAddresses { get; init => field = EquatableList<KeepalivedVirtualAddress>.From(value); } = EquatableList<KeepalivedVirtualAddress>.Empty;

    /// <summary>Gets the addresses added with the virtual ones but not sent in advertisements (<c>virtual_ipaddress_excluded { }</c>).</summary>
    public IReadOnlyList<KeepalivedVirtualAddress> ExcludedVirtualAddresses { get; init => field = EquatableList<KeepalivedVirtualAddress>.From(value); } = EquatableList<KeepalivedVirtualAddress>.Empty;

    /// <summary>Gets a value indicating whether the virtual MAC is used (<c>use_vmac</c>).</summary>
    public bool UseVirtualMac { get; init; }

    /// <summary>Gets the name of the VMAC interface (<c>use_vmac NAME</c>); <see langword="null"/> for keepalived's <c>vrrp.VRID</c>.</summary>
    public string? VirtualMacInterface { get; init; }

    /// <summary>Gets a value indicating whether a VMAC instance sends and hears its adverts on the base interface (<c>vmac_xmit_base</c>).</summary>
    public bool VirtualMacTransmitBase { get; init; }

    /// <summary>Gets <c>garp_master_delay</c>, 0 to 255 s (default <c>vrrp_garp_master_delay</c>, else 5 s).</summary>
    public TimeSpan GarpMasterDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets <c>garp_master_repeat</c>, 0 to 255 (default <c>vrrp_garp_master_repeat</c>, else 5).</summary>
    public int GarpMasterRepeat { get; init; } = 5;

    /// <summary>Gets <c>garp_master_refresh</c>, 0 (none) to 86400 s.</summary>
    public TimeSpan GarpMasterRefresh { get; init; }

    /// <summary>Gets <c>garp_master_refresh_repeat</c>, 1 to 255. Default 1.</summary>
    public int GarpMasterRefreshRepeat { get; init; } = 1;

    /// <summary>
    /// Gets <c>garp_extra_if</c>'s period, 0 (none, the default) to 86400 s (default <c>vrrp_garp_extra_if</c>): while
    /// master, one announcement on each other interface holding an address. Run only with <see cref="GarpExtraInterfacesAll"/>:
    /// without it keepalived sends only on the virtual MACs of single addresses, which are not made here.
    /// </summary>
    public TimeSpan GarpExtraInterfaces { get; init; }

    /// <summary>Gets a value indicating whether <c>garp_extra_if</c> says <c>all</c>: every other interface, not only virtual MACs.</summary>
    public bool GarpExtraInterfacesAll { get; init; }

    /// <summary>Gets <c>garp_lower_prio_delay</c>, 0 to 255 s (default: the master delay).</summary>
    public TimeSpan GarpLowerPriorityDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets <c>garp_lower_prio_repeat</c>, 0 to 255 (default: the master repeat).</summary>
    public int GarpLowerPriorityRepeat { get; init; } = 5;

    /// <summary>Gets <c>lower_prio_no_advert</c>: a master does not answer a lower priority advertisement.</summary>
    public bool LowerPriorityNoAdvert { get; init; }

    /// <summary>Gets <c>higher_prio_send_advert</c>: a master yielding to a higher priority sends one more advertisement.</summary>
    public bool HigherPrioritySendAdvert { get; init; }

    /// <summary>Gets <c>skip_check_adv_addr</c> (or <c>vrrp_skip_check_adv_addr</c> of <c>global_defs</c>): a VRRPv2 advert from the master last heard is not checked against the addresses.</summary>
    public bool SkipCheckAdvertAddress { get; init; }

    /// <summary>Gets <c>dont_track_primary</c>: the instance's interface going down does not put it in Fault.</summary>
    public bool DontTrackPrimary { get; init; }

    /// <summary>Gets <c>native_ipv6</c> (deprecated by keepalived): the instance is IPv6 and VRRPv3; IPv4 addresses in it are ignored.</summary>
    public bool NativeIPv6 { get; init; }

    /// <summary>Gets <c>unicast_ttl</c>: the TTL of IPv4 unicast advertisements, 0 to 255; <see langword="null"/> for 255.</summary>
    public int? UnicastTtl { get; init; }

    /// <summary>Gets <c>unicast_fault_no_peer</c>: an instance with unicast configured and no peers stays in Fault instead of using multicast.</summary>
    public bool UnicastFaultNoPeer { get; init; }

    /// <summary>Gets <c>track_src_ip</c>: the instance is in Fault while its <see cref="SourceAddress"/> is missing from its interface.</summary>
    public bool TrackSourceAddress { get; init; }

    /// <summary>Gets <c>down_timer_adverts</c>, 1 to 100. Default 3.</summary>
    public int DownTimerAdverts { get; init; } = 3;

    /// <summary>Gets the startup delay; keepalived has no instance keyword for it, so it is always <c>vrrp_startup_delay</c> of <c>global_defs</c> (0 without).</summary>
    public TimeSpan StartupDelay { get; init; }

    /// <summary>Gets the routes held with mastership (<c>virtual_routes</c>), one per line as <see cref="Routing.VirtualRoute"/> reads it.</summary>
    public IReadOnlyList<string> VirtualRoutes { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Gets the policy routing rules held with mastership (<c>virtual_rules</c>), one per line as <see cref="Routing.VirtualRule"/> reads it.</summary>
    public IReadOnlyList<string> VirtualRules { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Gets the tracked scripts (<c>track_script { NAME [weight N] }</c>), each naming a <c>vrrp_script</c>.</summary>
    public IReadOnlyList<KeepalivedTrack> TrackScripts { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the tracked interfaces (<c>track_interface { IF [weight N] }</c>).</summary>
    public IReadOnlyList<KeepalivedTrack> TrackInterfaces { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the tracked files (<c>track_file { NAME [weight N] }</c>), each naming a <c>vrrp_track_file</c>.</summary>
    public IReadOnlyList<KeepalivedTrack> TrackFiles { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the tracked processes (<c>track_process</c>), by <c>vrrp_track_process</c> name.</summary>
    public IReadOnlyList<KeepalivedTrack> TrackProcesses { get; init => field = EquatableList<KeepalivedTrack>.From(value); } = EquatableList<KeepalivedTrack>.Empty;

    /// <summary>Gets the script run on every state change with <c>INSTANCE NAME STATE PRIORITY</c> appended (<c>notify</c>).</summary>
    public string? Notify { get; init; }

    /// <summary>Gets the script run on becoming master (<c>notify_master</c>).</summary>
    public string? NotifyMaster { get; init; }

    /// <summary>Gets the script run on becoming backup (<c>notify_backup</c>).</summary>
    public string? NotifyBackup { get; init; }

    /// <summary>Gets the script run on entering Fault (<c>notify_fault</c>).</summary>
    public string? NotifyFault { get; init; }

    /// <summary>Gets the script run when the instance stops (<c>notify_stop</c>).</summary>
    public string? NotifyStop { get; init; }

    /// <summary>Gets the script run when a master hears a lower priority (<c>notify_master_rx_lower_pri</c>).</summary>
    public string? NotifyMasterRxLowerPriority { get; init; }

    /// <summary>Gets where the section starts.</summary>
    public KeepalivedSourceLocation Source { get; init; }

    /// <summary>Builds the core's options from this instance; each call returns a new object the caller may change.</summary>
    /// <returns>The options; tracking (<see cref="VirtualRouterOptions.TrackedChecks"/>) is left empty for the caller to fill from <see cref="TrackScripts"/>, <see cref="TrackInterfaces"/> and <see cref="TrackFiles"/>.</returns>
    public VirtualRouterOptions CreateOptions()
    {
        var options = new VirtualRouterOptions
        {
            Name = Name,
            Interface = Interface,
            VirtualRouterId = VirtualRouterId,
            Priority = Priority,
            Owner = Priority == 255,
            Version = Version,
            AdvertisementInterval = AdvertisementInterval,
            Preempt = Preempt,
            PreemptDelay = PreemptDelay,
            AcceptMode = AcceptMode,
            AdvertiseOnLowerPriority = !LowerPriorityNoAdvert,
            AdvertiseOnHigherPriority = HigherPrioritySendAdvert,
            DownTimerAdverts = DownTimerAdverts,
            SkipCheckAdvertisedAddresses = SkipCheckAdvertAddress,
            TrackInterface = !DontTrackPrimary,
            StartupDelay = StartupDelay,
            GarpMasterRepeat = GarpMasterRepeat,
            GarpMasterDelay = GarpMasterDelay,
            GarpMasterRefresh = GarpMasterRefresh,
            GarpMasterRefreshRepeat = GarpMasterRefreshRepeat,
            OtherInterfaceAnnouncementInterval = GarpExtraInterfacesAll ? GarpExtraInterfaces : TimeSpan.Zero,
            GarpLowerPriorityRepeat = GarpLowerPriorityRepeat,
            GarpLowerPriorityDelay = GarpLowerPriorityDelay,
            AuthenticationType = AuthenticationType,
            AuthenticationPassword = AuthenticationPassword,
            UseVirtualMac = UseVirtualMac,
            VirtualMacInterface = VirtualMacInterface,
            VirtualMacTransmitOnParent = UseVirtualMac && VirtualMacTransmitBase,
        };
        // keepalived puts an address whose dev is the instance's own interface where it puts one without a dev: on the
        // router's macvlan in virtual MAC mode.
        KeepalivedVirtualAddress Placed(KeepalivedVirtualAddress a) => UseVirtualMac && a.Device == Interface ? a with { Device = null } : a;
        foreach (KeepalivedVirtualAddress address in VirtualAddresses)
        {
            options.VirtualAddresses.Add(Placed(address).ToOptionsEntry());
        }

        foreach (KeepalivedVirtualAddress address in ExcludedVirtualAddresses)
        {
            options.ExcludedAddresses.Add(Placed(address).ToOptionsEntry());
        }

        foreach (string route in VirtualRoutes)
        {
            options.VirtualRoutes.Add(route);
        }

        foreach (string rule in VirtualRules)
        {
            options.VirtualRules.Add(rule);
        }

        options.SourceAddress = SourceAddress;
        options.UnicastMinimumHopLimit = UnicastMinimumTtl;
        options.UnicastMaximumHopLimit = UnicastMaximumTtl;
        options.UnicastTimeToLive = UnicastTtl ?? 255;
        foreach (string peer in UnicastPeers)
        {
            options.UnicastPeers.Add(peer);
        }

        return options;
    }
}
