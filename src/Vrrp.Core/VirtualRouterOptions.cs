using System.Globalization;
using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Health;
using Vrrp.Packets;

namespace Vrrp;

/// <summary>
/// The configuration of one virtual router, with keepalived's names in the remarks of each knob. Validated when the
/// router is created: every error names the field and its allowed range.
/// </summary>
public sealed class VirtualRouterOptions
{
    /// <summary>Gets or sets a name for logs and status (keepalived's <c>vrrp_instance</c> name). Default: <c>VR{VRID}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the interface the router runs on (keepalived's <c>interface</c>).</summary>
    public string Interface { get; set; } = string.Empty;

    /// <summary>Gets or sets the VRID, 1 to 255 (<c>virtual_router_id</c>).</summary>
    public int VirtualRouterId { get; set; }

    /// <summary>Gets or sets the base priority: 1 to 254, or 255 with <see cref="Owner"/> (<c>priority</c>). Default 100.</summary>
    public int Priority { get; set; } = 100;

    /// <summary>Gets or sets a value indicating whether this router owns the virtual addresses (they are its real addresses); it then has priority 255.</summary>
    public bool Owner { get; set; }

    /// <summary>Gets or sets the protocol version (<c>version</c>). Default VRRPv3.</summary>
    public VrrpVersion Version { get; set; } = VrrpVersion.V3;

    /// <summary>
    /// Gets or sets Advertisement_Interval (<c>advert_int</c>): VRRPv3 10 ms to 40.95 s in 10 ms steps; VRRPv2 1 to 255
    /// whole seconds. Default 1 s.
    /// </summary>
    public TimeSpan AdvertisementInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets the virtual addresses, <c>address/prefix</c>, all of one family (<c>virtual_ipaddress</c>), sent in
    /// adverts as listed, as keepalived sends them; RFC 9568 §5.2.9 wants an IPv6 list to start with a link-local
    /// address, which <see cref="RequireIPv6LinkLocalFirst"/> enforces. A VRRPv3 router may have none, for leader election alone: it then
    /// advertises its own primary address, since an advertisement must carry at least one (RFC 9568 §5.2.5, erratum
    /// 8299), and VRRPv3 receivers do not compare the list with theirs.
    /// </summary>
    public IList<string> VirtualAddresses { get; } = new List<string>();

    /// <summary>
    /// Gets addresses held with mastership but never advertised (keepalived's <c>virtual_ipaddress_excluded</c>):
    /// added, announced and removed with <see cref="VirtualAddresses"/>, absent from the adverts' address list, so
    /// they can be of any number, need not match the peers' lists, and may be of the other family (IPv6 addresses on an
    /// IPv4 router, as keepalived allows).
    /// </summary>
    public IList<string> ExcludedAddresses { get; } = new List<string>();

    /// <summary>
    /// Gets routes held with mastership (keepalived's <c>virtual_routes</c>), as <see cref="Routing.VirtualRoute"/>
    /// reads them: added after the addresses on becoming master, removed before them on leaving it. Needs an address
    /// manager that is also an <see cref="Routing.IVirtualRouteManager"/> (Linux's is).
    /// </summary>
    public IList<string> VirtualRoutes { get; } = new List<string>();

    /// <summary>
    /// Gets policy routing rules held with mastership (keepalived's <c>virtual_rules</c>), as
    /// <see cref="Routing.VirtualRule"/> reads them, added and removed with <see cref="VirtualRoutes"/>.
    /// </summary>
    public IList<string> VirtualRules { get; } = new List<string>();

    /// <summary>
    /// Gets or sets a value indicating whether an IPv6 <see cref="VirtualAddresses"/> list must start with a link-local
    /// address (fe80::/10), as RFC 9568 §5.2.9 says. Off by default: keepalived runs lists of global addresses alone,
    /// which is what nearly every real IPv6 configuration holds.
    /// </summary>
    public bool RequireIPv6LinkLocalFirst { get; set; }

    /// <summary>Gets the unicast peers; empty for multicast (<c>unicast_peer</c>).</summary>
    public IList<string> UnicastPeers { get; } = new List<string>();

    /// <summary>
    /// Gets or sets the source address of the advertisements (keepalived's <c>unicast_src_ip</c> / <c>mcast_src_ip</c>),
    /// an address of the router's family that the interface holds; null for the interface's primary address (for IPv6,
    /// its link-local address). Peers that list their unicast peers must list this one. It is also the address compared
    /// on a tie of priorities (RFC 9568 §6.4.3).
    /// </summary>
    public string? SourceAddress { get; set; }

    /// <summary>
    /// Gets or sets the lowest TTL or hop limit accepted from unicast peers (keepalived's <c>min_ttl</c>), 0 to 255;
    /// default 0. Unicast adverts may cross routers, so the RFC's 255 is not required of them: set this (255 for peers
    /// on the link) to keep adverts from farther away out.
    /// </summary>
    public int UnicastMinimumHopLimit { get; set; }

    /// <summary>Gets or sets the highest TTL or hop limit accepted from unicast peers (keepalived's <c>max_ttl</c>), 0 to 255; default 255.</summary>
    public int UnicastMaximumHopLimit { get; set; } = 255;

    /// <summary>
    /// Gets or sets the TTL of IPv4 unicast advertisements (keepalived's <c>unicast_ttl</c>), 0 to 255; default 255,
    /// what the RFC requires and a peer checking it expects. Lower it for peers beyond routers that must not see the
    /// adverts travel farther. Multicast advertisements always carry 255; IPv6 ones leave with hop limit 255.
    /// </summary>
    public int UnicastTimeToLive { get; set; } = 255;

    /// <summary>Gets or sets a value indicating whether a higher-priority backup takes over from a lower-priority master (<c>nopreempt</c> turns it off). Default on.</summary>
    public bool Preempt { get; set; } = true;

    /// <summary>Gets or sets how long after startup or Fault a backup waits before preempting (<c>preempt_delay</c>), 0 to 1000 s.</summary>
    public TimeSpan PreemptDelay { get; set; }

    /// <summary>Gets or sets a value indicating whether a non-owner master accepts packets for the virtual addresses (RFC 9568 Accept_Mode; VRRPv3 only).</summary>
    public bool AcceptMode { get; set; }

    /// <summary>Gets or sets a value indicating whether a master answers a lower-priority advertisement with one of its own (RFC 9568 §6.4.3; <c>lower_prio_no_advert</c> turns it off). Default on.</summary>
    public bool AdvertiseOnLowerPriority { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether a master that yields to a higher priority first sends one more advertisement (<c>higher_prio_send_advert</c>).</summary>
    public bool AdvertiseOnHigherPriority { get; set; }

    /// <summary>Gets or sets how many advertisement intervals make Master_Down_Interval (<c>down_timer_adverts</c>), 1 to 100. Default 3, as the RFCs.</summary>
    public int DownTimerAdverts { get; set; } = 3;

    /// <summary>
    /// Gets or sets a value indicating whether a VRRPv2 advertisement from the master last heard skips the check of its
    /// address list against ours (keepalived's <c>skip_check_adv_addr</c>, to save work with many addresses). An
    /// advertisement from any other source is still checked (RFC 3768 §7.1). Off by default.
    /// </summary>
    public bool SkipCheckAdvertisedAddresses { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the router's interface going down puts it in Fault (on by default).
    /// Off, a link monitor leaves the router as it is (keepalived's <c>dont_track_primary</c>).
    /// </summary>
    public bool TrackInterface { get; set; } = true;

    /// <summary>
    /// Gets or sets the multicast group adverts go to and are heard on, or <see langword="null"/> (the default) for the
    /// RFC's: 224.0.0.18, ff02::12 (keepalived's <c>vrrp_mcast_group4</c> and <c>vrrp_mcast_group6</c>). Every router
    /// of the virtual router must use the same one; a transport that cannot join another group hears only the RFC's.
    /// </summary>
    public string? MulticastGroup { get; set; }

    /// <summary>Gets or sets a delay before the Startup event (<c>vrrp_startup_delay</c>), 0 to 3600 s.</summary>
    public TimeSpan StartupDelay { get; set; }

    /// <summary>Gets or sets how many GARPs / unsolicited NAs to send per address on becoming master (<c>garp_master_repeat</c>), 0 to 255. Default 5.</summary>
    public int GarpMasterRepeat { get; set; } = 5;

    /// <summary>Gets or sets the delay to a second burst of announcements after becoming master (<c>garp_master_delay</c>), 0 (none) to 255 s. Default 5 s.</summary>
    public TimeSpan GarpMasterDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the period of announcements while master (<c>garp_master_refresh</c>), 0 (none) to 86400 s.</summary>
    public TimeSpan GarpMasterRefresh { get; set; }

    /// <summary>Gets or sets the announcements per address in each refresh (<c>garp_master_refresh_repeat</c>), 1 to 255. Default 1.</summary>
    public int GarpMasterRefreshRepeat { get; set; } = 1;

    /// <summary>
    /// Gets or sets the period, while master, of one announcement of the first address on each other interface the
    /// router puts addresses on (a <c>dev</c> of its own), and then also on its virtual MAC interface when adverts leave
    /// from the parent (<see cref="VirtualMacTransmitOnParent"/>): those interfaces send nothing else, and switches
    /// forget their MACs (keepalived's <c>garp_extra_if all</c>). 0 (none, the default) to 86400 s; nothing is sent
    /// when every address is on the router's own interface.
    /// </summary>
    public TimeSpan OtherInterfaceAnnouncementInterval { get; set; }

    /// <summary>Gets or sets the announcements a master sends on hearing a lower priority (<c>garp_lower_prio_repeat</c>), 0 to 255: it heals stale ARP caches after a split brain. Default 5, as keepalived (its <c>garp_master_repeat</c>).</summary>
    public int GarpLowerPriorityRepeat { get; set; } = 5;

    /// <summary>Gets or sets the delay to a second set of those announcements after the last lower priority heard (<c>garp_lower_prio_delay</c>), 0 (none) to 255 s. Default 5 s, as keepalived (its <c>garp_master_delay</c>).</summary>
    public TimeSpan GarpLowerPriorityDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets a value indicating whether a master that sees another MAC announce one of its addresses (a
    /// gratuitous ARP, an ARP reply or a neighbour advertisement, from a router that took over and yielded) answers
    /// one advertisement interval later with announcements of its own, so the hosts that heard it come back. Default
    /// on; keepalived has no such setting and leaves those hosts to find out through neighbour probing. Only a master
    /// with a claim answers (it has heard a lower priority this term, or has been master for Master_Down_Interval
    /// without seeing a conflict before that), so a backup that took over because it could not hear the master does
    /// not answer that master back; and at most three times in one exchange without hearing a lower priority, so two
    /// masters of a split brain stop. Needs something
    /// that reports announcements: X's <c>InMemoryHost.Watch</c>.
    /// </summary>
    public bool AnswerConflictingAnnouncements { get; set; } = true;

    /// <summary>Gets or sets the checksum form sent by a VRRPv3 IPv4 router. Default: with the pseudo-header, as keepalived sends, so a mixed cluster works; both forms are accepted on receive.</summary>
    public VrrpChecksumForm ChecksumForm { get; set; } = VrrpChecksumForm.PseudoHeader;

    /// <summary>Gets or sets the VRRPv2 authentication (<c>auth_type</c>).</summary>
    public VrrpAuthenticationType AuthenticationType { get; set; }

    /// <summary>Gets or sets the VRRPv2 password or AH key, 1 to 8 bytes of UTF-8 (<c>auth_pass</c>).</summary>
    public string? AuthenticationPassword { get; set; }

    /// <summary>Gets or sets a value indicating whether the router uses the virtual MAC (<c>use_vmac</c>). Default off, as keepalived.</summary>
    public bool UseVirtualMac { get; set; }

    /// <summary>
    /// Gets or sets the name of the router's own interface in virtual MAC mode (keepalived's <c>use_vmac NAME</c>), 1 to
    /// 15 characters without '/' or spaces; null for keepalived's default, <c>vrrp.{VRID}</c> (<c>vrrp6.{VRID}</c> for IPv6).
    /// </summary>
    public string? VirtualMacInterface { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a router in virtual MAC mode sends and hears its advertisements on the
    /// parent interface, from the parent's addresses and MAC, while its addresses stay on its own interface (keepalived's
    /// <c>vmac_xmit_base</c>, for switches that must not see the virtual MAC as a source of VRRP). Default off.
    /// </summary>
    public bool VirtualMacTransmitOnParent { get; set; }

    /// <summary>Gets the tracked checks whose weights move the priority (<c>track_script</c>, <c>track_interface</c>, <c>track_file</c>).</summary>
    public IList<TrackedCheck> TrackedChecks { get; } = new List<TrackedCheck>();

    /// <summary>
    /// Gets checks described by data (from configuration: <c>Vrrp:Routers:0:Checks</c>) that the router's
    /// <see cref="VrrpService"/> runs while the router runs, each moving the priority by its weight as a
    /// <see cref="TrackedChecks"/> entry does. A reload that changes only these applies them in place.
    /// </summary>
    public IList<VrrpCheckDefinition> Checks { get; } = new List<VrrpCheckDefinition>();

    /// <summary>
    /// Tells whether <paramref name="other"/> configures the same router: every value equal, the lists equal in
    /// order, and the same tracked checks (the same objects). A reload keeps a router running when this holds.
    /// </summary>
    internal bool IsSameRouterAs(VirtualRouterOptions other) =>
        Priority == other.Priority
        && VirtualAddresses.SequenceEqual(other.VirtualAddresses, StringComparer.Ordinal)
        && UnicastPeers.SequenceEqual(other.UnicastPeers, StringComparer.Ordinal)
        && HasSameChecksAs(other)
        && CanBecomeInPlace(other);

    /// <summary>Tells whether both options describe the same <see cref="Checks"/>, in the same order.</summary>
    internal bool HasSameChecksAs(VirtualRouterOptions other) =>
        Checks.Count == other.Checks.Count && Checks.Zip(other.Checks).All(pair => pair.First.IsSameAs(pair.Second));

    /// <summary>
    /// Tells whether a router made from these options can take <paramref name="other"/> without a restart: they differ
    /// at most in what a running router changes in place (priority, virtual addresses of the same family, unicast
    /// peers of the same presence, checks from <see cref="Checks"/>).
    /// </summary>
    internal bool CanBecomeInPlace(VirtualRouterOptions other) =>
        Name == other.Name && Interface == other.Interface && VirtualRouterId == other.VirtualRouterId
        && Owner == other.Owner && Version == other.Version
        && AdvertisementInterval == other.AdvertisementInterval
        && GetAddressFamily() == other.GetAddressFamily()
        && (VirtualAddresses.Count == 0) == (other.VirtualAddresses.Count == 0)
        && (UnicastPeers.Count == 0) == (other.UnicastPeers.Count == 0)
        && ExcludedAddresses.SequenceEqual(other.ExcludedAddresses, StringComparer.Ordinal)
        && VirtualRoutes.SequenceEqual(other.VirtualRoutes, StringComparer.Ordinal)
        && VirtualRules.SequenceEqual(other.VirtualRules, StringComparer.Ordinal)
        && SourceAddress == other.SourceAddress
        && UnicastMinimumHopLimit == other.UnicastMinimumHopLimit && UnicastMaximumHopLimit == other.UnicastMaximumHopLimit
        && UnicastTimeToLive == other.UnicastTimeToLive
        && Preempt == other.Preempt && PreemptDelay == other.PreemptDelay && AcceptMode == other.AcceptMode
        && AdvertiseOnLowerPriority == other.AdvertiseOnLowerPriority && AdvertiseOnHigherPriority == other.AdvertiseOnHigherPriority
        && DownTimerAdverts == other.DownTimerAdverts && StartupDelay == other.StartupDelay
        && SkipCheckAdvertisedAddresses == other.SkipCheckAdvertisedAddresses && TrackInterface == other.TrackInterface
        && MulticastGroup == other.MulticastGroup
        && GarpMasterRepeat == other.GarpMasterRepeat && GarpMasterDelay == other.GarpMasterDelay
        && GarpMasterRefresh == other.GarpMasterRefresh && GarpMasterRefreshRepeat == other.GarpMasterRefreshRepeat
        && OtherInterfaceAnnouncementInterval == other.OtherInterfaceAnnouncementInterval
        && GarpLowerPriorityRepeat == other.GarpLowerPriorityRepeat && GarpLowerPriorityDelay == other.GarpLowerPriorityDelay
        && AnswerConflictingAnnouncements == other.AnswerConflictingAnnouncements && ChecksumForm == other.ChecksumForm
        && AuthenticationType == other.AuthenticationType && AuthenticationPassword == other.AuthenticationPassword
        && UseVirtualMac == other.UseVirtualMac && VirtualMacInterface == other.VirtualMacInterface && VirtualMacTransmitOnParent == other.VirtualMacTransmitOnParent
        && RequireIPv6LinkLocalFirst == other.RequireIPv6LinkLocalFirst
        && TrackedChecks.SequenceEqual(other.TrackedChecks, ReferenceEqualityComparer.Instance);

    /// <summary>Returns the router's address family: that of its first virtual address, else of its first unicast peer (a router without addresses), else IPv4.</summary>
    /// <returns>IPv4 or IPv6.</returns>
    public System.Net.Sockets.AddressFamily GetAddressFamily() => VrrpService.FamilyOf(this);

    /// <summary>Lists every configuration error; empty when the options are valid.</summary>
    /// <returns>One message per error, naming the field and its allowed range.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Error(string message) => errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Name ?? $"VRID {VirtualRouterId}"}: {message}"));

        if (VirtualRouterId is < 1 or > 255)
        {
            Error($"VirtualRouterId must be 1 to 255; got {VirtualRouterId}.");
        }

        if (Owner ? Priority != 255 : Priority is < 1 or > 254)
        {
            Error(Owner ? $"Priority must be 255 for an owner; got {Priority}." : $"Priority must be 1 to 254 (255 only with Owner = true); got {Priority}.");
        }

        if (Version is not (VrrpVersion.V2 or VrrpVersion.V3))
        {
            Error($"Version must be V2 or V3; got {(int)Version}.");
        }

        if (Version == VrrpVersion.V3)
        {
            if (AdvertisementInterval < TimeSpan.FromMilliseconds(10) || AdvertisementInterval > TimeSpan.FromMilliseconds(40950) || AdvertisementInterval.Ticks % TimerMathTicksPerCentisecond != 0)
            {
                Error($"AdvertisementInterval must be 10 ms to 40.95 s in 10 ms steps for VRRPv3; got {AdvertisementInterval.TotalMilliseconds} ms.");
            }
        }
        else if (AdvertisementInterval < TimeSpan.FromSeconds(1) || AdvertisementInterval > TimeSpan.FromSeconds(255) || AdvertisementInterval.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            Error($"AdvertisementInterval must be 1 to 255 whole seconds for VRRPv2; got {AdvertisementInterval.TotalSeconds} s.");
        }

        AddressFamily family = AddressFamily.Unspecified;
        // No address at all runs, as keepalived runs it (with its warning): a router for leader election alone.
        if (VirtualAddresses.Count > 255)
        {
            Error($"VirtualAddresses must hold 0 to 255 addresses; got {VirtualAddresses.Count}.");
        }

        for (int i = 0; i < VirtualAddresses.Count; i++)
        {
            if (!AddressPlacement.TryParse(VirtualAddresses[i], out VirtualAddress address, out _, out string? error))
            {
                Error($"VirtualAddresses[{i}] '{VirtualAddresses[i]}' {error}.");
                continue;
            }

            if (family == AddressFamily.Unspecified)
            {
                family = address.Address.Family;
                if (family == AddressFamily.InterNetworkV6 && RequireIPv6LinkLocalFirst && !address.Address.IsIPv6LinkLocal)
                {
                    Error($"VirtualAddresses[0] must be an IPv6 link-local address (fe80::/10) when the addresses are IPv6 (RFC 9568 §5.2.9); got '{VirtualAddresses[i]}'.");
                }
            }
            else if (address.Address.Family != family)
            {
                Error($"VirtualAddresses[{i}] must be of one family with VirtualAddresses[0] ({family}); got '{VirtualAddresses[i]}'.");
            }
        }

        if (SourceAddress is not null && (!System.Net.IPAddress.TryParse(SourceAddress, out System.Net.IPAddress? source)
            || source.AddressFamily != GetAddressFamily() || source.IsIPv6Multicast || PackedIPAddress.FromIPAddress(source).IsMulticast))
        {
            Error($"SourceAddress must be a unicast address of the router's family ({GetAddressFamily()}); got '{SourceAddress}'.");
        }

        for (int i = 0; i < ExcludedAddresses.Count; i++)
        {
            if (!AddressPlacement.TryParse(ExcludedAddresses[i], out _, out _, out string? error))
            {
                Error($"ExcludedAddresses[{i}] '{ExcludedAddresses[i]}' {error}.");
            }
        }

        if (MulticastGroup is not null && (!System.Net.IPAddress.TryParse(MulticastGroup, out System.Net.IPAddress? group)
            || !PackedIPAddress.FromIPAddress(group).IsMulticast || (family != AddressFamily.Unspecified && group.AddressFamily != family)))
        {
            Error($"MulticastGroup must be a multicast address of the router's family (224.0.0.0/4 for IPv4, ff00::/8 for IPv6); got '{MulticastGroup}'.");
        }

        for (int i = 0; i < VirtualRoutes.Count; i++)
        {
            if (!Routing.VirtualRoute.TryParse(VirtualRoutes[i], out _, out string? error))
            {
                Error($"VirtualRoutes[{i}] '{VirtualRoutes[i]}' {error}.");
            }
        }

        for (int i = 0; i < VirtualRules.Count; i++)
        {
            if (!Routing.VirtualRule.TryParse(VirtualRules[i], out _, out string? error))
            {
                Error($"VirtualRules[{i}] '{VirtualRules[i]}' {error}.");
            }
        }

        if (family == AddressFamily.InterNetworkV6 && Version == VrrpVersion.V2)
        {
            Error("Version must be V3 for IPv6 addresses: VRRPv2 is IPv4 only (RFC 3768).");
        }

        if (family == AddressFamily.InterNetworkV6 && VirtualAddresses.Count > 1 + ((1500 - 40 - 8) / 16))
        {
            Error("VirtualAddresses: at most 91 IPv6 addresses fit in one advertisement on a 1500-byte link.");
        }

        if (UnicastMinimumHopLimit is < 0 or > 255 || UnicastMaximumHopLimit is < 0 or > 255 || UnicastMinimumHopLimit > UnicastMaximumHopLimit)
        {
            Error($"UnicastMinimumHopLimit and UnicastMaximumHopLimit must be 0 to 255, the minimum at most the maximum; got {UnicastMinimumHopLimit} and {UnicastMaximumHopLimit}.");
        }

        if (UnicastTimeToLive is < 0 or > 255)
        {
            Error($"UnicastTimeToLive must be 0 to 255; got {UnicastTimeToLive}.");
        }

        for (int i = 0; i < UnicastPeers.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(UnicastPeers[i], out System.Net.IPAddress? peer) || (family != AddressFamily.Unspecified && peer.AddressFamily != family))
            {
                Error($"UnicastPeers[{i}] must be an IP address of the virtual addresses' family; got '{UnicastPeers[i]}'.");
            }
            else if (family == AddressFamily.Unspecified && VirtualAddresses.Count == 0)
            {
                family = peer.AddressFamily; // no virtual addresses: the first peer sets the family
            }
        }

        Range(nameof(PreemptDelay), PreemptDelay, TimeSpan.Zero, TimeSpan.FromSeconds(1000));
        Range(nameof(StartupDelay), StartupDelay, TimeSpan.Zero, TimeSpan.FromSeconds(3600));
        Range(nameof(GarpMasterDelay), GarpMasterDelay, TimeSpan.Zero, TimeSpan.FromSeconds(255));
        Range(nameof(GarpMasterRefresh), GarpMasterRefresh, TimeSpan.Zero, TimeSpan.FromSeconds(86400));
        Range(nameof(OtherInterfaceAnnouncementInterval), OtherInterfaceAnnouncementInterval, TimeSpan.Zero, TimeSpan.FromSeconds(86400));
        Range(nameof(GarpLowerPriorityDelay), GarpLowerPriorityDelay, TimeSpan.Zero, TimeSpan.FromSeconds(255));
        Count(nameof(DownTimerAdverts), DownTimerAdverts, 1, 100);
        for (int i = 0; i < Checks.Count; i++)
        {
            VrrpCheckDefinition check = Checks[i];
            if (string.IsNullOrWhiteSpace(check.Type))
            {
                Error($"Checks[{i}].Type is required: Tcp, Http, Ping, or a type a registered IVrrpCheckFactory makes (Command with AddCommandChecks()).");
            }

            if (string.IsNullOrWhiteSpace(check.Target))
            {
                Error($"Checks[{i}].Target is required: host:port (Tcp), a URL (Http), an address (Ping), a command line (Command).");
            }

            foreach (string problem in check.ToScheduledCheckOptions().Validate())
            {
                Error($"Checks[{i}]: {problem}");
            }
        }
        Count(nameof(GarpMasterRepeat), GarpMasterRepeat, 0, 255);
        Count(nameof(GarpMasterRefreshRepeat), GarpMasterRefreshRepeat, 1, 255);
        Count(nameof(GarpLowerPriorityRepeat), GarpLowerPriorityRepeat, 0, 255);

        if (!Enum.IsDefined(ChecksumForm))
        {
            Error($"ChecksumForm must be PseudoHeader or MessageOnly; got {(int)ChecksumForm}.");
        }

        if (AuthenticationType != VrrpAuthenticationType.None)
        {
            int length = AuthenticationPassword is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(AuthenticationPassword);
            if (Version != VrrpVersion.V2)
            {
                Error("AuthenticationType must be None for VRRPv3, which has no authentication (RFC 9568 §9).");
            }
            else if (!Enum.IsDefined(AuthenticationType))
            {
                Error($"AuthenticationType must be None, SimplePassword or IPAuthenticationHeader; got {(int)AuthenticationType}.");
            }
            else if (length is < 1 or > VrrpAuthentication.MaxKeyLength)
            {
                Error($"AuthenticationPassword must be 1 to {VrrpAuthentication.MaxKeyLength} bytes; got {length}.");
            }
        }

        if (VirtualMacInterface is { } link && (link.Length is 0 or > 15 || link.Contains('/', StringComparison.Ordinal) || link.Any(char.IsWhiteSpace) || link is "." or ".."))
        {
            Error($"VirtualMacInterface must be an interface name of 1 to 15 characters without '/' or spaces; got '{link}'.");
        }

        return errors;

        void Range(string field, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                Error($"{field} must be {min.TotalSeconds} to {max.TotalSeconds} s; got {value.TotalSeconds} s.");
            }
        }

        void Count(string field, int value, int min, int max)
        {
            if (value < min || value > max)
            {
                Error($"{field} must be {min} to {max}; got {value}.");
            }
        }
    }

    private const long TimerMathTicksPerCentisecond = Protocol.TimerMath.TicksPerCentisecond;
}
