using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Diagnostics;
using Vrrp.Health;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Protocol;
using Vrrp.Routing;
using Vrrp.Transport;

namespace Vrrp;

/// <summary>
/// One virtual router: runs the RFC 9568 state machine, turning timers, received advertisements and health changes
/// into events, one at a time and in order, and carrying out its actions through the seams: transport, address
/// manager, announcer and notifier.
/// </summary>
/// <remarks>
/// <para>
/// The protocol loop (timer expiries and received packets) takes events one at a time under a lock rather than
/// through a queue, so that under a virtual clock every timer, packet and reaction happens at a deterministic
/// instant. Nothing on the path of an advertisement or a timer allocates.
/// </para>
/// <para>
/// The loop never runs user code and never waits on the kernel beyond a non-blocking send: address changes,
/// announcements, notifiers and <see cref="StateChanged"/> handlers run off it, in order, on the router's
/// <see cref="VrrpActionRunner"/>. A slow or stuck seam or handler delays no advertisement; one that throws is counted,
/// and a failing address manager or announcer puts the router in Fault for <see cref="ActionFaultHold"/>.
/// </para>
/// </remarks>
public sealed partial class VirtualRouter : IAdvertisementReceiver, IVrrpActions, IDisposable
{
    private const int HistoryCapacity = 64;

    private readonly object _gate; // the state machine, which is the router's alone: no lock object of its own
    private readonly VrrpStateMachine _machine;
    private static StateMachineSettings? s_lastSettings;
    private static readonly PackedIPAddress[] s_ipv4Multicast = [PackedIPAddress.Parse("224.0.0.18")];
    private static readonly PackedIPAddress[] s_ipv6Multicast = [PackedIPAddress.Parse("ff02::12")];

    // Changed at run time under _gate; each is replaced whole, never written in place, so a reader outside the lock
    // sees one list or the other.
    private VirtualAddress[] _virtualAddresses;
    private byte[] _addressBytes;
    private PackedIPAddress[] _destinations;
    private PackedIPAddress[] _unicastPeers;
    private readonly PackedIPAddress _source; // VirtualRouterOptions.SourceAddress; default: the transport's primary
    private readonly VirtualAddress[] _excludedAddresses;
    private VirtualAddress[] _heldAddresses;
    private readonly bool _announceOwnInterfaceToo; // VirtualMacTransmitOnParent: the macvlan sends no advert
    private VirtualAddress[]? _otherInterfaceHeldFor;
    private VirtualAddress[] _otherInterfaceAddresses = [];
    // Every address this router was ever given, with its placement, once one of them had more than address/prefix
    // (null until then: most routers never do). Never changes for an address within a router's life, so a queued
    // removal finds the interface its address was added on however late it runs.
    private Dictionary<VirtualAddress, AddressPlacement>? _placements;
    private readonly VirtualRoute[] _virtualRoutes;
    private readonly VirtualRule[] _virtualRules;
    private readonly bool _skipCheckAdvertisedAddresses;
    private long _lastSent = Never; // TimeProvider timestamps (0 is a time like any other on a virtual clock)
    private long _lastReceived = Never;
    private const long Never = long.MinValue;
    private readonly bool _requireIPv6LinkLocalFirst;
    private readonly byte _unicastMinimumHopLimit; // keepalived's min_ttl and max_ttl
    private readonly byte _unicastTimeToLive; // keepalived's unicast_ttl
    private byte _timeToLive; // of IPv4 adverts: _unicastTimeToLive when unicast, else 255
    private readonly byte _unicastMaximumHopLimit;
    private TrackedCheck[] _checks;
    private EventHandler? _onCheckChanged; // made with the first tracked check
    // Sized to this router's largest advertisement, and the history grows to its 64 as transitions come: a router
    // that never flaps keeps a few hundred bytes, not kilobytes. The AH sequence table exists only once an
    // authentication header arrives.
    private byte[] _sendBuffer;
    private StateChange[] _history = [];
    private Dictionary<PackedIPAddress, AhSequenceState>? _ahSequences;
    private int _historyCount;
    private int _basePriority;
    private uint _ahSequence;
    private ushort _ipIdentification;
    private bool _running;
    private bool _disposed;

    /// <summary>Initializes a router. It does nothing until <see cref="Start"/>.</summary>
    /// <param name="options">The configuration; validated here.</param>
    /// <param name="transport">The transport of the router's interface and family.</param>
    /// <param name="addressManager">Adds and removes the virtual addresses.</param>
    /// <param name="announcer">Sends gratuitous ARPs and unsolicited neighbour advertisements.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="notifier">Hears state changes, or <see langword="null"/>.</param>
    /// <param name="actionRunner">
    /// Where address changes, announcements and notifications run, off the protocol loop. By default address changes
    /// and announcements run on <see cref="VrrpActionRunner.ThreadPool"/>, and notifiers and handlers on four threads
    /// of their own, so that listeners stuck on a blocked log cannot starve the thread pool.
    /// </param>
    /// <exception cref="VrrpConfigurationException">The options are invalid; the message names each field and its range.</exception>
    public VirtualRouter(
        VirtualRouterOptions options,
        IVrrpTransport transport,
        IVirtualAddressManager addressManager,
        IAddressAnnouncer announcer,
        TimeProvider? timeProvider = null,
        IVrrpNotifier? notifier = null,
        VrrpActionRunner? actionRunner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(addressManager);
        ArgumentNullException.ThrowIfNull(announcer);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }

        VirtualRouterId = (byte)options.VirtualRouterId;
        Name = options.Name ?? $"VR{options.VirtualRouterId}";

        // A router without virtual addresses (leader election) takes its family from the transport.
        AddressFamily family = options.VirtualAddresses.Count > 0 ? AddressPlacement.Parse(options.VirtualAddresses[0]).Address.Address.Family : transport.Family;
        if (family != transport.Family)
        {
            throw new VrrpConfigurationException([$"{Name}: VirtualAddresses are {family} but the transport carries {transport.Family}."]);
        }

        VrrpAuthentication authentication = options.AuthenticationType == VrrpAuthenticationType.None
            ? VrrpAuthentication.None
            : VrrpAuthentication.Create(options.AuthenticationType, options.AuthenticationPassword!);
        var intervalField = (ushort)(options.Version == VrrpVersion.V2
            ? options.AdvertisementInterval.Ticks / TimeSpan.TicksPerSecond
            : options.AdvertisementInterval.Ticks / TimerMath.TicksPerCentisecond);
        _profile = ShareWithLast(ref s_lastProfile, new Profile(
            transport,
            addressManager,
            announcer,
            notifier,
            timeProvider ?? TimeProvider.System,
            actionRunner ?? VrrpActionRunner.ThreadPool,
            actionRunner ?? VrrpActionRunner.Listeners,
            string.Intern(transport.DedicatedInterface ?? options.Interface), // hundreds of routers share a few interface names
            options.Version,
            family,
            options.ChecksumForm,
            options.AcceptMode,
            options.UseVirtualMac,
            authentication,
            options.GarpMasterRepeat,
            intervalField,
            ParseGroup(options.MulticastGroup, family)));
        if (_profile.MulticastGroup.Length != 0)
        {
            transport.JoinMulticastGroup(_profile.MulticastGroup);
        }

        _requireIPv6LinkLocalFirst = options.RequireIPv6LinkLocalFirst;
        _announceOwnInterfaceToo = options.UseVirtualMac && options.VirtualMacTransmitOnParent;
        _source = options.SourceAddress is null ? default : PackedIPAddress.Parse(options.SourceAddress);
        _virtualAddresses = ParseAddresses(options.VirtualAddresses, nameof(VirtualRouterOptions.VirtualAddresses), out AddressPlacement[] placements);
        _excludedAddresses = ParseExcluded(options.ExcludedAddresses, out AddressPlacement[] excludedPlacements);
        _placements = Record(Record(null, [], _virtualAddresses, placements), _virtualAddresses, _excludedAddresses, excludedPlacements);
        _virtualRoutes = [.. options.VirtualRoutes.Select(VirtualRoute.Parse)];
        _virtualRules = [.. options.VirtualRules.Select(VirtualRule.Parse)];
        if (_virtualRoutes.Length + _virtualRules.Length > 0 && addressManager is not IVirtualRouteManager)
        {
            throw new VrrpConfigurationException([$"{Name}: VirtualRoutes and VirtualRules need an address manager that is also an {nameof(IVirtualRouteManager)}; {addressManager.GetType().Name} is not."]);
        }
        _heldAddresses = [.. _virtualAddresses, .. _excludedAddresses];
        _addressBytes = EncodeAddresses(_virtualAddresses);
        _unicastPeers = ParsePeers(options.UnicastPeers, nameof(VirtualRouterOptions.UnicastPeers));
        _unicastMinimumHopLimit = (byte)options.UnicastMinimumHopLimit;
        _unicastMaximumHopLimit = (byte)options.UnicastMaximumHopLimit;
        _destinations = _unicastPeers.Length > 0 ? _unicastPeers : _profile.MulticastDestination;
        _unicastTimeToLive = (byte)options.UnicastTimeToLive;
        _timeToLive = _unicastPeers.Length > 0 ? _unicastTimeToLive : VrrpDatagram.RequiredHopLimit;
        _sendBuffer = new byte[SendBufferLength(_addressBytes)];
        _checks = [.. options.TrackedChecks];
        _basePriority = options.Priority;

        DownTimerAdverts = options.DownTimerAdverts;
        _skipCheckAdvertisedAddresses = options.SkipCheckAdvertisedAddresses;
        TracksInterface = options.TrackInterface;
        var settings = new StateMachineSettings
        {
            Version = options.Version,
            AdvertisementIntervalCentiseconds = options.Version == VrrpVersion.V2 ? _profile.IntervalField * 100 : _profile.IntervalField,
            PrimaryAddress = _source.Length != 0 ? _source : transport.PrimaryAddress,
            Preempt = options.Preempt,
            PreemptDelay = options.PreemptDelay,
            DownTimerAdverts = options.DownTimerAdverts,
            AdvertiseOnLowerPriority = options.AdvertiseOnLowerPriority,
            AdvertiseOnHigherPriority = options.AdvertiseOnHigherPriority,
            AnnounceRepeat = options.GarpMasterRepeat,
            AnnounceDelay = options.GarpMasterDelay,
            AnnounceRefresh = options.GarpMasterRefresh,
            AnnounceRefreshRepeat = options.GarpMasterRefreshRepeat,
            AnnounceOtherInterfaces = options.OtherInterfaceAnnouncementInterval,
            AnnounceOnLowerPriorityRepeat = options.GarpLowerPriorityRepeat,
            AnnounceOnLowerPriorityDelay = options.GarpLowerPriorityDelay,
            AnswerConflictingAnnouncements = options.AnswerConflictingAnnouncements,
            StartupDelay = options.StartupDelay,
        };
        _machine = new VrrpStateMachine(ShareWithLast(ref s_lastSettings, settings), (byte)options.Priority, this);
        _gate = _machine;
        _machine.SetPriority((byte)options.Priority, EffectivePriorityFromChecks());
    }

    /// <summary>
    /// Raised after every state change, in order, off the protocol loop (on the router's <see cref="VrrpActionRunner"/>,
    /// after the notifier): a handler may take its time without delaying any advertisement, though it holds up the
    /// router's later notifications and address changes. An exception is caught and counted
    /// (<see cref="VirtualRouterStatistics.NotifierFailures"/>).
    /// </summary>
    public event EventHandler<StateChange>? StateChanged;

    /// <summary>
    /// Raised when this master heard a lower priority and answered it (keepalived's <c>notify_master_rx_lower_pri</c>),
    /// at most once per advertisement interval, on the router's listeners' lane (never on its protocol loop), in order
    /// with <see cref="StateChanged"/>. An exception is caught and counted as a state-change handler's is.
    /// </summary>
    public event EventHandler<LowerPriorityAdvert>? LowerPriorityHeard;

    // Observers of routers built elsewhere (VirtualRouterLogger.Attach): one shared delegate for all routers.
    internal event Action<VirtualRouter, VrrpPacketStatus>? PacketDiscarded;

    internal event Action<VirtualRouter>? SendFailed;

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the interface name from the options.</summary>
    public string Interface => _profile.Interface;

    /// <summary>Gets the VRID.</summary>
    public byte VirtualRouterId { get; }

    /// <summary>Gets the address family of the virtual addresses.</summary>
    public AddressFamily Family => _profile.Family;

    /// <summary>Gets the protocol version.</summary>
    public VrrpVersion Version => _profile.Version;

    /// <summary>Gets a value indicating whether a non-owner master accepts packets for the virtual addresses.</summary>
    public bool AcceptMode => _profile.AcceptMode;

    /// <summary>Gets a value indicating whether the virtual MAC is used.</summary>
    public bool UseVirtualMac => _profile.UseVirtualMac;

    /// <summary>Gets the checksum form this router sends (VRRPv3 over IPv4).</summary>
    public VrrpChecksumForm ChecksumForm => _profile.ChecksumForm;

    /// <summary>Gets the virtual MAC of RFC 9568 §7.3 for this VRID and family.</summary>
    public MacAddress VirtualMac => MacAddress.ForVirtualRouter(Family, VirtualRouterId); // derived: not stored in every router

    /// <summary>Gets the MAC the router's announcements carry: the virtual MAC when used, else the interface's.</summary>
    public MacAddress AnnouncementMac => UseVirtualMac ? VirtualMac : _profile.Transport.InterfaceMac;

    /// <summary>
    /// Gets the virtual addresses, in configured order; empty for a router used only for leader election. While
    /// <see cref="SetVirtualAddresses"/> runs on a master, an <see cref="IVirtualAddressManager"/> sees here the
    /// addresses it is asked to act on (see its remarks).
    /// </summary>
    public IReadOnlyList<VirtualAddress> VirtualAddresses => Volatile.Read(ref _virtualAddresses);

    /// <summary>Gets the addresses held with mastership but never advertised (<see cref="VirtualRouterOptions.ExcludedAddresses"/>).</summary>
    public IReadOnlyList<VirtualAddress> ExcludedAddresses => _excludedAddresses;

    /// <summary>
    /// Gets every address a master holds and announces: <see cref="VirtualAddresses"/>, then
    /// <see cref="ExcludedAddresses"/>. Address managers and announcers act on these.
    /// </summary>
    public IReadOnlyList<VirtualAddress> HeldAddresses => Volatile.Read(ref _heldAddresses);

    /// <summary>Gets a value indicating whether the router's interface going down puts it in Fault (<see cref="VirtualRouterOptions.TrackInterface"/>).</summary>
    public bool TracksInterface { get; }

    /// <summary>Gets the routes a master holds (<see cref="VirtualRouterOptions.VirtualRoutes"/>).</summary>
    public IReadOnlyList<VirtualRoute> VirtualRoutes => _virtualRoutes;

    /// <summary>Gets the policy routing rules a master holds (<see cref="VirtualRouterOptions.VirtualRules"/>).</summary>
    public IReadOnlyList<VirtualRule> VirtualRules => _virtualRules;

    /// <summary>Gets the unicast peers; empty when the router advertises to the VRRP multicast group.</summary>
    public IReadOnlyList<PackedIPAddress> UnicastPeers => Volatile.Read(ref _unicastPeers);

    /// <summary>Gets the tracked checks whose weights move the priority.</summary>
    public IReadOnlyList<TrackedCheck> TrackedChecks => Volatile.Read(ref _checks);

    /// <summary>Gets the address advertisements are sent from.</summary>
    public PackedIPAddress PrimaryAddress => _source.Length != 0 ? _source : _profile.Transport.PrimaryAddress;

    /// <summary>Gets the counters.</summary>
    public VirtualRouterStatistics Statistics { get; } = new();

    /// <summary>Gets the current state.</summary>
    public VrrpState State => _machine.State;

    /// <summary>Gets a value indicating whether the router is master.</summary>
    public bool IsMaster => _machine.State == VrrpState.Master;

    /// <summary>Gets when the router last sent an advertisement, or <see langword="null"/> when it has sent none.</summary>
    public DateTimeOffset? LastAdvertisementSent => ToUtc(Volatile.Read(ref _lastSent));

    /// <summary>Gets when the router last accepted an advertisement, or <see langword="null"/> when it has accepted none.</summary>
    public DateTimeOffset? LastAdvertisementReceived => ToUtc(Volatile.Read(ref _lastReceived));

    /// <summary>
    /// Gets when the Master_Down_Timer is due (a backup takes over then unless it hears the master), or
    /// <see langword="null"/> when it is not running.
    /// </summary>
    public DateTimeOffset? MasterDownDue
    {
        get
        {
            using (EnterEvent())
            {
                return (_armed & (1 << (int)VrrpTimer.MasterDown)) != 0 ? ToUtc(_deadlines[(int)VrrpTimer.MasterDown]) : null;
            }
        }
    }

    /// <summary>Gets the clock the router runs on.</summary>
    internal TimeProvider Time => _profile.Time;

    /// <summary>Gets how many advertisement intervals backups wait (with Skew_Time) before declaring the master down.</summary>
    internal int DownTimerAdverts { get; }

    /// <summary>Gets when the last advertisement left, as a <see cref="Time"/> timestamp; <see cref="long.MinValue"/> before the first.</summary>
    internal long LastSentTimestamp => Volatile.Read(ref _lastSent);

    // A TimeProvider timestamp as wall-clock time on the same provider.
    private DateTimeOffset? ToUtc(long timestamp)
    {
        if (timestamp == Never)
        {
            return null;
        }

        long now = _profile.Time.GetTimestamp();
        var ticks = (long)((timestamp - now) * ((double)TimeSpan.TicksPerSecond / _profile.Time.TimestampFrequency));
        return _profile.Time.GetUtcNow() + TimeSpan.FromTicks(ticks);
    }

    /// <summary>Gets the effective priority: the base priority moved by tracked checks (1 to 254), or 255 for the owner.</summary>
    public byte Priority => _machine.Priority;

    /// <summary>Gets the base priority.</summary>
    public int BasePriority => Volatile.Read(ref _basePriority);

    /// <summary>Gets the master's address as last heard (our own when master), or the default value when unknown.</summary>
    public PackedIPAddress MasterAddress => _machine.MasterAddress;

    /// <summary>Gets the priority the master last advertised.</summary>
    public byte MasterPriority => _machine.MasterPriority;

    /// <summary>Gets Skew_Time for the current priority and master interval.</summary>
    public TimeSpan SkewTime => _machine.SkewTime;

    /// <summary>Gets Master_Down_Interval for the current priority and master interval.</summary>
    public TimeSpan MasterDownInterval => _machine.MasterDownInterval;

    /// <summary>Gets Master_Adver_Interval: the master's interval as learned (VRRPv3), or our own.</summary>
    public TimeSpan MasterAdvertisementInterval => TimeSpan.FromTicks(_machine.MasterAdverIntervalCentiseconds * TimerMath.TicksPerCentisecond);

    /// <summary>Gets a value indicating whether the router is in Fault for a reason of its own (not its sync group's).</summary>
    internal bool HasOwnFault => _machine.HasOwnFault;

    /// <summary>Gets a value indicating whether the router is in Backup and hears a master it accepts.</summary>
    internal bool HearsMaster => _machine.State == VrrpState.Backup && _machine.HearsMaster;

    /// <summary>Gets or sets the sync group the router belongs to.</summary>
    internal VrrpSyncGroup? SyncGroup { get; set; }

    /// <summary>Starts the router: registers with the transport and takes the Startup event.</summary>
    public void Start()
    {
        using (EnterEvent())
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
            {
                return;
            }

            _running = true;
            _profile.Transport.Register(VirtualRouterId, this);
            foreach (TrackedCheck check in _checks)
            {
                check.Changed += _onCheckChanged ??= OnCheckChanged;
            }

            ApplyChecks();
            _machine.Startup();

            // A sync-group fault held from before a halt is stale: let the group say again whether it holds.
            SyncGroup?.MemberFaultChanged();
        }
    }

    /// <summary>
    /// Stops gracefully: a master sends priority 0 (so a backup takes over after Skew_Time) and removes its addresses.
    /// Returns once the addresses are removed and the change is notified, or after 5 s if a seam or handler is stuck.
    /// </summary>
    public void Stop()
    {
        using (EnterEvent())
        {
            if (!_running)
            {
                return;
            }

            _machine.Shutdown();
            Detach();
        }

        WaitForActions();
    }

    /// <summary>
    /// Stops at once without a word to the peers and without touching the addresses, as a crash would: for
    /// simulations of failure. Peers take over after Master_Down_Interval.
    /// </summary>
    public void Halt()
    {
        using (EnterEvent())
        {
            if (!_running)
            {
                return;
            }

            CancelAllTimers();
            Detach();
            _machine.Reset();
        }
    }

    /// <summary>Changes the base priority at run time (1 to 254; 255 only for an owner).</summary>
    /// <param name="priority">The new base priority.</param>
    /// <exception cref="ArgumentOutOfRangeException">Out of range.</exception>
    public void SetPriority(int priority)
    {
        bool owner = _machine.IsOwner;
        if (owner ? priority != 255 : priority is < 1 or > 254)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, owner ? "Priority must stay 255 for an owner." : "Priority must be 1 to 254.");
        }

        using (EnterEvent())
        {
            _basePriority = priority;
            ApplyChecks();
        }
    }

    /// <summary>Tells the router its interface went down or came up (keepalived's interface tracking): down means Fault.</summary>
    /// <param name="up">Whether the link is up.</param>
    public void SetInterfaceUp(bool up)
    {
        using (EnterEvent())
        {
            bool hadOwnFault = _machine.HasOwnFault;
            _machine.SetInterfaceUp(up);
            if (hadOwnFault != _machine.HasOwnFault)
            {
                SyncGroup?.MemberFaultChanged();
            }
        }
    }

    /// <summary>
    /// Replaces the virtual addresses at run time, without a restart. A master removes the addresses no longer
    /// listed, adds the new ones (addresses in both lists stay on the interface throughout), announces the new list,
    /// and advertises it at once and from then on; a backup only takes the new list.
    /// </summary>
    /// <param name="virtualAddresses">The new list, <c>address/prefix</c>, of the router's family; may be empty for a VRRPv3 router.</param>
    /// <exception cref="VrrpConfigurationException">An address is invalid or of the wrong family; the message names it.</exception>
    public void SetVirtualAddresses(IEnumerable<string> virtualAddresses)
    {
        ArgumentNullException.ThrowIfNull(virtualAddresses);
        VirtualAddress[] next = ParseAddresses([.. virtualAddresses], nameof(VirtualRouterOptions.VirtualAddresses), out AddressPlacement[] placements);
        byte[] encoded = EncodeAddresses(next);
        using (EnterEvent())
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            VirtualAddress[] previous = _virtualAddresses;
            Dictionary<VirtualAddress, AddressPlacement>? recorded = Record(_placements, [.. previous, .. _excludedAddresses], next, placements);
            for (int i = 0; recorded is not null && i < next.Length; i++)
            {
                if (recorded[next[i]] != placements[i])
                {
                    throw new VrrpConfigurationException([$"{Name}: {next[i]} had '{recorded[next[i]]}' and now has '{placements[i]}': an address's dev, label, scope, brd and no_track cannot change on a running router; restart it."]);
                }
            }

            Volatile.Write(ref _placements, recorded);
            bool master = _running && _machine.State == VrrpState.Master;
            _addressBytes = encoded;
            _writtenLength = 0;
            if (_sendBuffer.Length < SendBufferLength(encoded))
            {
                _sendBuffer = new byte[SendBufferLength(encoded)];
            }

            Volatile.Write(ref _virtualAddresses, next);
            Volatile.Write(ref _heldAddresses, [.. next, .. _excludedAddresses]);
            if (!master)
            {
                return;
            }

            // Only the leaving and the arriving addresses: those in both lists are never touched. Leaving first, so
            // that an address whose prefix changed is taken off and put back rather than refused as already there.
            VirtualAddress[] removed = [.. previous.Where(a => Array.IndexOf(next, a) < 0)];
            VirtualAddress[] added = [.. next.Where(a => Array.IndexOf(previous, a) < 0)];
            if (removed.Length > 0)
            {
                QueueAddressChange(add: false, removed);
            }

            if (added.Length > 0)
            {
                QueueAddressChange(add: true, added);
            }

            ((IVrrpActions)this).Announce(_profile.AnnounceRepeat);
            ((IVrrpActions)this).SendAdvertisement(_machine.Priority);
        }
    }

    /// <summary>
    /// Replaces the unicast peers at run time: advertisements go to the new peers from the next one on, and only
    /// they are heard. An empty list returns the router to the VRRP multicast group.
    /// </summary>
    /// <param name="unicastPeers">The peers' addresses, of the router's family.</param>
    /// <exception cref="VrrpConfigurationException">An address is invalid or of the wrong family; the message names it.</exception>
    public void SetUnicastPeers(IEnumerable<string> unicastPeers)
    {
        ArgumentNullException.ThrowIfNull(unicastPeers);
        PackedIPAddress[] next = ParsePeers([.. unicastPeers], nameof(VirtualRouterOptions.UnicastPeers));
        using (EnterEvent())
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Volatile.Write(ref _unicastPeers, next);
            _destinations = next.Length > 0 ? next : _profile.MulticastDestination;
            _timeToLive = next.Length > 0 ? _unicastTimeToLive : VrrpDatagram.RequiredHopLimit;
            _writtenLength = 0;
        }
    }

    /// <summary>Tracks one more check at run time; its weight applies at once.</summary>
    /// <param name="check">The check.</param>
    public void AddTrackedCheck(TrackedCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        using (EnterEvent())
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Array.IndexOf(_checks, check) >= 0)
            {
                return;
            }

            Volatile.Write(ref _checks, [.. _checks, check]);
            if (_running)
            {
                check.Changed += _onCheckChanged ??= OnCheckChanged;
                ApplyChecks();
            }
        }
    }

    /// <summary>Stops tracking a check at run time; the priority and fault state follow at once.</summary>
    /// <param name="check">The check.</param>
    /// <returns><see langword="true"/> when the check was tracked.</returns>
    public bool RemoveTrackedCheck(TrackedCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        using (EnterEvent())
        {
            if (Array.IndexOf(_checks, check) < 0)
            {
                return false;
            }

            Volatile.Write(ref _checks, [.. _checks.Where(c => c != check)]);
            if (_running)
            {
                check.Changed -= _onCheckChanged;
                ApplyChecks();
            }

            return true;
        }
    }

    /// <summary>Gets when the router last changed state, or <see langword="null"/> before its first change.</summary>
    internal DateTimeOffset? LastTransitionTime
    {
        get
        {
            using (EnterEvent())
            {
                return _historyCount == 0 ? null : _history[(_historyCount - 1) % HistoryCapacity].Timestamp;
            }
        }
    }

    /// <summary>Returns the last state changes, oldest first (at most 64).</summary>
    /// <returns>A copy of the history.</returns>
    public StateChange[] GetHistory()
    {
        using (EnterEvent())
        {
            var copy = new StateChange[_historyCount];
            int start = _historyCount < HistoryCapacity ? 0 : _historyCount % HistoryCapacity;
            for (int i = 0; i < copy.Length; i++)
            {
                copy[i] = _history[(start + i) % HistoryCapacity];
            }

            return copy;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        using (EnterEvent())
        {
            if (_disposed)
            {
                return;
            }

            if (_running)
            {
                _machine.Shutdown();
                Detach();
            }

            _machine.Stop();
            _disposed = true;
            _timer?.Dispose();
            _actionFaultTimer?.Dispose();
        }

        WaitForActions();
    }

    /// <inheritdoc/>
    public void Receive(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        // Unicast adverts may have crossed routers: any hop limit in the configured range (a copy on the stack).
        VrrpReceivePolicy policy = Volatile.Read(ref _unicastPeers).Length > 0
            ? _profile.MulticastPolicy with { AcceptAnyHopLimit = true, MinimumHopLimit = _unicastMinimumHopLimit, MaximumHopLimit = _unicastMaximumHopLimit }
            : _profile.MulticastPolicy;
        scoped ReceivedAdvertisement advertisement;
        VrrpPacketStatus status = Family != AddressFamily.InterNetwork
            ? VrrpDatagram.TryReadIPv6(packet, metadata.Source, metadata.Destination, metadata.HopLimit, policy, out advertisement)
            : metadata.IPv4.IsValid
                ? VrrpDatagram.TryReadIPv4(packet, metadata.IPv4, policy, out advertisement) // the dispatcher read the header
                : VrrpDatagram.TryReadIPv4(packet, policy, out advertisement);

        using (EnterEvent())
        {
            if (!_running)
            {
                return;
            }

            if (status == VrrpPacketStatus.Valid)
            {
                if (advertisement.Source == PrimaryAddress)
                {
                    return; // our own multicast, looped back
                }

                status = CheckAgainstRouter(advertisement);
            }

            if (status != VrrpPacketStatus.Valid)
            {
                Statistics.OnDiscarded(status);
                NotifyDiscarded(status);
                return;
            }

            VrrpPacket advert = advertisement.Packet;
            Statistics.OnReceived(advert.Priority, advertisement.ChecksumForm, Version == VrrpVersion.V3 && Family == AddressFamily.InterNetwork);
            _lastReceived = Now();
            _machine.AdvertisementReceived(advert.Priority, advert.AdvertisementIntervalCentiseconds, advertisement.Source);
        }
    }

    /// <summary>
    /// Tells the router that a host on its link announced <paramref name="address"/> at <paramref name="senderMac"/>
    /// (the sender of a gratuitous ARP, an ARP reply or a neighbour advertisement). A master counts it when the
    /// address is one of its own and the MAC is not the one it announces, and answers it (see
    /// <see cref="VirtualRouterOptions.AnswerConflictingAnnouncements"/>). Anything else is ignored. Allocation-free;
    /// a transport's receive loop calls it.
    /// </summary>
    /// <param name="address">The announced protocol address.</param>
    /// <param name="senderMac">The hardware address it was announced at.</param>
    public void HearAnnouncement(PackedIPAddress address, MacAddress senderMac)
    {
        if (senderMac == AnnouncementMac || !HasVirtualAddress(address))
        {
            return;
        }

        using (EnterEvent())
        {
            if (!_running || _machine.State != VrrpState.Master)
            {
                return;
            }

            Statistics.OnConflictingAnnouncement();
            _machine.ConflictingAnnouncement();
        }
    }

    /// <summary>Tells whether <paramref name="address"/> is one of the router's virtual addresses.</summary>
    /// <param name="address">The address.</param>
    /// <returns>Whether it is configured now.</returns>
    public bool HasVirtualAddress(PackedIPAddress address)
    {
        VirtualAddress[] addresses = Volatile.Read(ref _virtualAddresses);
        for (int i = 0; i < addresses.Length; i++)
        {
            if (addresses[i].Address == address)
            {
                return true;
            }
        }

        return false;
    }

    internal void FollowSyncGroup(VrrpState target)
    {
        using (EnterEvent())
        {
            if (_running)
            {
                _machine.FollowSyncGroup(target);
            }
        }
    }

    internal void SetSyncGroupFault(bool failing)
    {
        using (EnterEvent())
        {
            if (_running)
            {
                _machine.SetSyncGroupFault(failing);
            }
        }
    }

    void IVrrpActions.AddVirtualAddresses()
    {
        QueueAddressChange(add: true, _heldAddresses);
        if (_virtualRoutes.Length + _virtualRules.Length > 0)
        {
            Actions.Enqueue(new PendingAction(ActionKind.AddRoutes, null, 0, default)); // routes may need the addresses (src)
        }
    }

    void IVrrpActions.RemoveVirtualAddresses()
    {
        if (_virtualRoutes.Length + _virtualRules.Length > 0)
        {
            Actions.Enqueue(new PendingAction(ActionKind.RemoveRoutes, null, 0, default)); // before the addresses they may use
        }

        QueueAddressChange(add: false, _heldAddresses);
    }

    void IVrrpActions.Announce(int repeat)
    {
        if (repeat > 0)
        {
            QueueAnnouncement(repeat);
        }
    }

    void IVrrpActions.AnnounceOtherInterfaces()
    {
        VirtualAddress[] addresses = OtherInterfaceAddresses();
        if (addresses.Length > 0)
        {
            Actions.Enqueue(new PendingAction(ActionKind.AnnounceOtherInterfaces, addresses, 1, default));
        }
    }

    // keepalived's garp_extra_if all: the first held address of each interface other than the router's own, and of the
    // router's own too when its adverts leave from the parent; none when all are on its own. Worked out again only when
    // the addresses change (a reload), so a tick allocates nothing.
    private VirtualAddress[] OtherInterfaceAddresses()
    {
        VirtualAddress[] held = Volatile.Read(ref _heldAddresses);
        if (ReferenceEquals(held, _otherInterfaceHeldFor))
        {
            return _otherInterfaceAddresses;
        }

        var devices = new List<string>();
        var chosen = new List<VirtualAddress>();
        VirtualAddress? own = null;
        foreach (VirtualAddress address in held)
        {
            string? device = PlacementOf(address).Device;
            if (device is null || device == Interface)
            {
                own ??= address;
            }
            else if (!devices.Contains(device))
            {
                devices.Add(device);
                chosen.Add(address);
            }
        }

        if (chosen.Count > 0 && _announceOwnInterfaceToo && own is { } first)
        {
            chosen.Insert(0, first);
        }

        _otherInterfaceAddresses = [.. chosen];
        _otherInterfaceHeldFor = held;
        return _otherInterfaceAddresses;
    }

    bool IVrrpActions.MayBecomeMaster() => SyncGroup?.MayBecomeMaster(this) ?? true;

    void IVrrpActions.LowerPriorityAnswerWithheld() => Statistics.OnLowerPriorityAnswerWithheld();

    // Told on the listeners' lane, like a state change; the loop only queues it.
    void IVrrpActions.LowerPriorityAnswered(byte priority, PackedIPAddress source) =>
        Notifications.Enqueue(new Notification(NotificationKind.LowerPriorityHeard, new StateChange(VrrpState.Master, VrrpState.Master, default, priority, source, _profile.Time.GetUtcNow())));

    void IVrrpActions.StateChanged(VrrpState from, VrrpState to, StateChangeReason reason)
    {
        if (to == VrrpState.Master)
        {
            Statistics.OnBecameMaster();
        }
        else if (from == VrrpState.Master)
        {
            Statistics.OnReleasedMaster();
        }

        var change = new StateChange(from, to, reason, _machine.Priority, _machine.MasterAddress, _profile.Time.GetUtcNow());
        if (_historyCount == _history.Length && _history.Length < HistoryCapacity)
        {
            Array.Resize(ref _history, Math.Min(Math.Max(2, 2 * _history.Length), HistoryCapacity));
        }

        _history[_historyCount % HistoryCapacity] = change;
        _historyCount++;
        SyncGroup?.OnMemberStateChanged(this, change);
        QueueStateChanged(change);
    }

    private int SendBufferLength(byte[] addressBytes) =>
        (Family == AddressFamily.InterNetwork ? IPv4Header.MinimumLength : 0)
        + (_profile.Authentication.Type == VrrpAuthenticationType.IPAuthenticationHeader ? AuthenticationHeader.Length : 0)
        + VrrpPacket.HeaderLength + addressBytes.Length
        + (Version == VrrpVersion.V2 ? VrrpPacket.AuthenticationDataLength : 0);

    // RFC 9568 §5.2.5 (and erratum 8299) wants at least one address in a VRRPv3 advertisement: a router without virtual
    // addresses advertises its own primary address, which VRRPv3 receivers do not compare against their lists. VRRPv2
    // (RFC 3768) has no such floor: there the list is empty, as keepalived sends it and checks it (a keepalived backup
    // drops an advert whose count differs from its own, and would be master beside us).
    private byte[] EncodeAddresses(VirtualAddress[] addresses)
    {
        int addressLength = Family == AddressFamily.InterNetworkV6 ? 16 : 4;
        if (addresses.Length == 0 && Version == VrrpVersion.V2)
        {
            return [];
        }

        if (addresses.Length == 0)
        {
            byte[] own = new byte[addressLength];
            PrimaryAddress.WriteTo(own);
            return own;
        }

        byte[] bytes = new byte[addresses.Length * addressLength];
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i].Address.WriteTo(bytes.AsSpan(i * addressLength));
        }

        return bytes;
    }

    /// <summary>
    /// Returns where and how <paramref name="address"/> goes on an interface (its <c>dev</c>, <c>label</c>, <c>scope</c>,
    /// <c>brd</c>, <c>no_track</c>): what it was given with in <see cref="VirtualRouterOptions.VirtualAddresses"/> or
    /// <see cref="VirtualRouterOptions.ExcludedAddresses"/>, or <see cref="AddressPlacement.Default"/>. An address keeps
    /// one placement for the router's life (<see cref="SetVirtualAddresses"/> refuses another), so an address manager
    /// removes an address from where it added it.
    /// </summary>
    /// <param name="address">An address of this router.</param>
    /// <returns>The placement.</returns>
    public AddressPlacement PlacementOf(VirtualAddress address) =>
        Volatile.Read(ref _placements) is { } placements && placements.TryGetValue(address, out AddressPlacement? placement) ? placement : AddressPlacement.Default;

    /// <summary>Tells whether <see cref="SetVirtualAddresses"/> would take these entries: no address with another placement than it had in this router's life.</summary>
    internal bool CanTakeAddresses(IEnumerable<string> entries)
    {
        foreach (string entry in entries)
        {
            if (AddressPlacement.TryParse(entry, out VirtualAddress address, out AddressPlacement placement, out _) && PlacementOf(address) != placement)
            {
                bool seen = _placements?.ContainsKey(address) ?? (_virtualAddresses.Contains(address) || _excludedAddresses.Contains(address));
                if (seen)
                {
                    return false;
                }
            }
        }

        return true;
    }

    // The placements with those of 'addresses' added: null while every address so far was given alone. On the first
    // address given with more, every address seen before is recorded with the default placement it had.
    private static Dictionary<VirtualAddress, AddressPlacement>? Record(Dictionary<VirtualAddress, AddressPlacement>? recorded, VirtualAddress[] before, VirtualAddress[] addresses, AddressPlacement[] placements)
    {
        if (recorded is null && placements.All(p => ReferenceEquals(p, AddressPlacement.Default)))
        {
            return null;
        }

        var next = recorded is null ? before.Distinct().ToDictionary(a => a, _ => AddressPlacement.Default) : new Dictionary<VirtualAddress, AddressPlacement>(recorded);
        for (int i = 0; i < addresses.Length; i++)
        {
            next.TryAdd(addresses[i], placements[i]);
        }

        return next;
    }

    private VirtualAddress[] ParseAddresses(IList<string> texts, string field, out AddressPlacement[] placements)
    {
        var errors = new List<string>();
        var addresses = new VirtualAddress[texts.Count];
        placements = new AddressPlacement[texts.Count];
        if (texts.Count > 255)
        {
            errors.Add($"{Name}: {field} must hold 0 to 255 addresses; got {texts.Count}.");
        }

        for (int i = 0; i < texts.Count; i++)
        {
            if (!AddressPlacement.TryParse(texts[i], out addresses[i], out placements[i], out string? error))
            {
                errors.Add($"{Name}: {field}[{i}] '{texts[i]}' {error}.");
            }
            else if (addresses[i].Address.Family != Family)
            {
                errors.Add($"{Name}: {field}[{i}] must be an address/prefix of the router's family ({Family}); got '{texts[i]}'.");
            }
            else if (i == 0 && Family == AddressFamily.InterNetworkV6 && _requireIPv6LinkLocalFirst && !addresses[i].Address.IsIPv6LinkLocal)
            {
                errors.Add($"{Name}: {field}[0] must be an IPv6 link-local address (fe80::/10) (RFC 9568 §5.2.9); got '{texts[i]}'.");
            }
        }

        return errors.Count > 0 ? throw new VrrpConfigurationException(errors) : addresses;
    }

    private VirtualAddress[] ParseExcluded(IList<string> texts, out AddressPlacement[] placements)
    {
        var errors = new List<string>();
        var addresses = new VirtualAddress[texts.Count];
        placements = new AddressPlacement[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            if (!AddressPlacement.TryParse(texts[i], out addresses[i], out placements[i], out string? error))
            {
                errors.Add($"{Name}: ExcludedAddresses[{i}] '{texts[i]}' {error}.");
            }
        }

        return errors.Count > 0 ? throw new VrrpConfigurationException(errors) : addresses;
    }

    private PackedIPAddress ParseGroup(string? text, AddressFamily family)
    {
        if (text is null)
        {
            return default;
        }

        if (!System.Net.IPAddress.TryParse(text, out System.Net.IPAddress? group) || group.AddressFamily != family || !PackedIPAddress.FromIPAddress(group).IsMulticast)
        {
            throw new VrrpConfigurationException([$"{Name}: MulticastGroup must be a multicast address of the router's family ({family}); got '{text}'."]);
        }

        return PackedIPAddress.FromIPAddress(group);
    }

    private PackedIPAddress[] ParsePeers(IList<string> texts, string field)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        var errors = new List<string>();
        var peers = new PackedIPAddress[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(texts[i], out System.Net.IPAddress? peer) || peer.AddressFamily != Family)
            {
                errors.Add($"{Name}: {field}[{i}] must be an IP address of the router's family ({Family}); got '{texts[i]}'.");
                continue;
            }

            peers[i] = PackedIPAddress.FromIPAddress(peer);
        }

        return errors.Count > 0 ? throw new VrrpConfigurationException(errors) : peers;
    }

    private VrrpPacketStatus CheckAgainstRouter(in ReceivedAdvertisement advertisement)
    {
        VrrpPacket advert = advertisement.Packet;
        if (advert.VirtualRouterId != VirtualRouterId)
        {
            return VrrpPacketStatus.VirtualRouterId;
        }

        if (_unicastPeers.Length > 0 && Array.IndexOf(_unicastPeers, advertisement.Source) < 0)
        {
            return VrrpPacketStatus.UnknownPeer;
        }

        if (Version == VrrpVersion.V2)
        {
            // RFC 3768 §7.1: "MUST verify that the Adver Interval in the packet is the same as the locally configured
            // for this virtual router"; and, from a non-owner, that the address list matches ours.
            if (advert.AdvertisementInterval != _profile.IntervalField)
            {
                return VrrpPacketStatus.Interval;
            }

            // keepalived's skip_check_adv_addr: the master last heard was checked when first heard.
            bool fromKnownMaster = _skipCheckAdvertisedAddresses && advertisement.Source == _machine.MasterAddress;
            if (advert.Priority != 255 && !fromKnownMaster && !advert.Addresses.SequenceEqual(_addressBytes))
            {
                return VrrpPacketStatus.AddressList;
            }
        }

        if (advertisement.HasAuthenticationHeader && !AcceptSequence(advertisement.Source, advertisement.AuthenticationSequence))
        {
            return VrrpPacketStatus.AuthenticationReplay;
        }

        return VrrpPacketStatus.Valid;
    }

    // RFC 2402 §3.4.3: a sequence number must grow, and the history is kept however long the sender is silent: a
    // recording of its adverts must not replay once it has died. A sender silent for Master_Down_Interval or more may
    // have restarted with a fresh counter (keepalived counts from 0 at start); a counter that restarted during the
    // silence cannot be past the adverts it could have sent since, so only a number that low starts a new window.
    private bool AcceptSequence(PackedIPAddress source, uint sequence)
    {
        long now = _profile.Time.GetTimestamp();
        _ahSequences ??= new Dictionary<PackedIPAddress, AhSequenceState>(8);
        if (_ahSequences.TryGetValue(source, out AhSequenceState last) && sequence <= last.Sequence)
        {
            TimeSpan silent = _profile.Time.GetElapsedTime(last.Timestamp, now);
            if (silent < MasterDownInterval || sequence > RestartedCounterBound(silent))
            {
                return false;
            }
        }

        _ahSequences[source] = new AhSequenceState(sequence, now);
        return true;
    }

    // Twice the adverts one Master_Adver_Interval apart that fit in the silence, and two more: room for a sender whose
    // interval is shorter, far below the numbers of a sender that ran for longer than the silence.
    private uint RestartedCounterBound(TimeSpan silent) =>
        (uint)Math.Min(uint.MaxValue, (2 * silent.Ticks / Math.Max(1, MasterAdvertisementInterval.Ticks)) + 2);

    private void OnCheckChanged(object? sender, EventArgs e)
    {
        using (EnterEvent())
        {
            if (_running)
            {
                ApplyChecks();
            }
        }
    }

    private void ApplyChecks()
    {
        bool fault = false;
        for (int i = 0; i < _checks.Length; i++)
        {
            fault |= _checks[i].CausesFault;
        }

        bool hadOwnFault = _machine.HasOwnFault;
        _machine.SetPriority((byte)_basePriority, EffectivePriorityFromChecks());
        _machine.SetCheckFault(fault);

        // A member held in the group's Fault does not change state when its own fault clears, so no state change
        // would tell the group to release the others: tell it directly.
        if (hadOwnFault != _machine.HasOwnFault)
        {
            SyncGroup?.MemberFaultChanged();
        }
    }

    private byte EffectivePriorityFromChecks()
    {
        if (_basePriority == 255)
        {
            return 255; // the owner's priority is never changed
        }

        int priority = _basePriority;
        for (int i = 0; i < _checks.Length; i++)
        {
            priority += _checks[i].PriorityDelta;
        }

        return (byte)Math.Clamp(priority, 1, 254);
    }

    private void Detach()
    {
        _running = false;
        _profile.Transport.Unregister(VirtualRouterId, this);
        foreach (TrackedCheck check in _checks)
        {
            check.Changed -= _onCheckChanged;
        }
    }

    private readonly record struct AhSequenceState(uint Sequence, long Timestamp);
}
