using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Diagnostics;
using Vrrp.Health;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Protocol;
using Vrrp.Transport;

namespace Vrrp;

/// <summary>
/// One virtual router: runs the RFC 9568 state machine, turning timers, received advertisements and health changes
/// into events, one at a time and in order, and carrying out its actions through the seams: transport, address
/// manager, announcer and notifier.
/// </summary>
/// <remarks>
/// Events are serialized by a lock rather than a queue, so that under a virtual clock every timer, packet and
/// reaction happens at a deterministic instant. Nothing on the path of an advertisement or a timer allocates.
/// </remarks>
public sealed class VirtualRouter : IAdvertisementReceiver, IVrrpActions, IDisposable
{
    private const int HistoryCapacity = 64;
    private static readonly TimerCallback s_onTimer = static state => ((TimerSlot)state!).Fire();

    private readonly object _gate = new();
    private readonly IVrrpTransport _transport;
    private readonly IVirtualAddressManager _addressManager;
    private readonly IAddressAnnouncer _announcer;
    private readonly IVrrpNotifier? _notifier;
    private readonly TimeProvider _time;
    private readonly VrrpStateMachine _machine;
    private readonly TimerSlot[] _timers;
    private readonly VirtualAddress[] _virtualAddresses;
    private readonly byte[] _addressBytes;
    private readonly PackedIPAddress[] _destinations;
    private readonly PackedIPAddress[] _unicastPeers;
    private readonly VrrpAuthentication _authentication;
    private readonly VrrpReceivePolicy _policy;
    private readonly TrackedCheck[] _checks;
    private readonly EventHandler _onCheckChanged;
    private readonly byte[] _sendBuffer = new byte[2048];
    private readonly StateChange[] _history = new StateChange[HistoryCapacity];
    private readonly Dictionary<PackedIPAddress, AhSequenceState> _ahSequences = new(8);
    private readonly ushort _intervalField;
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
    /// <exception cref="VrrpConfigurationException">The options are invalid; the message names each field and its range.</exception>
    public VirtualRouter(
        VirtualRouterOptions options,
        IVrrpTransport transport,
        IVirtualAddressManager addressManager,
        IAddressAnnouncer announcer,
        TimeProvider? timeProvider = null,
        IVrrpNotifier? notifier = null)
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

        _transport = transport;
        _addressManager = addressManager;
        _announcer = announcer;
        _notifier = notifier;
        _time = timeProvider ?? TimeProvider.System;

        VirtualRouterId = (byte)options.VirtualRouterId;
        Name = options.Name ?? $"VR{options.VirtualRouterId}";
        Interface = options.Interface;
        Version = options.Version;
        AcceptMode = options.AcceptMode;
        UseVirtualMac = options.UseVirtualMac;

        _virtualAddresses = new VirtualAddress[options.VirtualAddresses.Count];
        for (int i = 0; i < _virtualAddresses.Length; i++)
        {
            _virtualAddresses[i] = VirtualAddress.Parse(options.VirtualAddresses[i]);
        }

        Family = _virtualAddresses[0].Address.Family;
        if (Family != transport.Family)
        {
            throw new VrrpConfigurationException([$"{Name}: VirtualAddresses are {Family} but the transport carries {transport.Family}."]);
        }

        VirtualMac = MacAddress.ForVirtualRouter(Family, VirtualRouterId);
        int addressLength = Family == AddressFamily.InterNetworkV6 ? 16 : 4;
        _addressBytes = new byte[_virtualAddresses.Length * addressLength];
        for (int i = 0; i < _virtualAddresses.Length; i++)
        {
            _virtualAddresses[i].Address.WriteTo(_addressBytes.AsSpan(i * addressLength));
        }

        _unicastPeers = new PackedIPAddress[options.UnicastPeers.Count];
        for (int i = 0; i < _unicastPeers.Length; i++)
        {
            _unicastPeers[i] = PackedIPAddress.Parse(options.UnicastPeers[i]);
        }

        _destinations = _unicastPeers.Length > 0
            ? _unicastPeers
            : [PackedIPAddress.Parse(Family == AddressFamily.InterNetworkV6 ? "ff02::12" : "224.0.0.18")];

        _authentication = options.AuthenticationType == VrrpAuthenticationType.None
            ? VrrpAuthentication.None
            : VrrpAuthentication.Create(options.AuthenticationType, options.AuthenticationPassword!);
        _policy = new VrrpReceivePolicy(options.Version, _authentication) { AcceptAnyHopLimit = _unicastPeers.Length > 0 };
        _intervalField = (ushort)(options.Version == VrrpVersion.V2
            ? options.AdvertisementInterval.Ticks / TimeSpan.TicksPerSecond
            : options.AdvertisementInterval.Ticks / TimerMath.TicksPerCentisecond);

        _checks = [.. options.TrackedChecks];
        _onCheckChanged = OnCheckChanged;
        _basePriority = options.Priority;
        ChecksumForm = options.ChecksumForm;

        var settings = new StateMachineSettings
        {
            Version = options.Version,
            AdvertisementIntervalCentiseconds = options.Version == VrrpVersion.V2 ? _intervalField * 100 : _intervalField,
            PrimaryAddress = transport.PrimaryAddress,
            Preempt = options.Preempt,
            PreemptDelay = options.PreemptDelay,
            DownTimerAdverts = options.DownTimerAdverts,
            AdvertiseOnLowerPriority = options.AdvertiseOnLowerPriority,
            AdvertiseOnHigherPriority = options.AdvertiseOnHigherPriority,
            AnnounceRepeat = options.GarpMasterRepeat,
            AnnounceDelay = options.GarpMasterDelay,
            AnnounceRefresh = options.GarpMasterRefresh,
            AnnounceRefreshRepeat = options.GarpMasterRefreshRepeat,
            AnnounceOnLowerPriorityRepeat = options.GarpLowerPriorityRepeat,
            StartupDelay = options.StartupDelay,
        };
        _machine = new VrrpStateMachine(settings, (byte)options.Priority, this);
        _machine.SetPriority((byte)options.Priority, EffectivePriorityFromChecks());

        _timers = new TimerSlot[Enum.GetValues<VrrpTimer>().Length];
        for (int i = 0; i < _timers.Length; i++)
        {
            _timers[i] = new TimerSlot(this, (VrrpTimer)i);
        }
    }

    /// <summary>Raised after every state change, on the router's event path: handlers must return at once and not throw.</summary>
    public event EventHandler<StateChange>? StateChanged;

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the interface name from the options.</summary>
    public string Interface { get; }

    /// <summary>Gets the VRID.</summary>
    public byte VirtualRouterId { get; }

    /// <summary>Gets the address family of the virtual addresses.</summary>
    public AddressFamily Family { get; }

    /// <summary>Gets the protocol version.</summary>
    public VrrpVersion Version { get; }

    /// <summary>Gets a value indicating whether a non-owner master accepts packets for the virtual addresses.</summary>
    public bool AcceptMode { get; }

    /// <summary>Gets a value indicating whether the virtual MAC is used.</summary>
    public bool UseVirtualMac { get; }

    /// <summary>Gets the checksum form this router sends (VRRPv3 over IPv4).</summary>
    public VrrpChecksumForm ChecksumForm { get; }

    /// <summary>Gets the virtual MAC of RFC 9568 §7.3 for this VRID and family.</summary>
    public MacAddress VirtualMac { get; }

    /// <summary>Gets the MAC the router's announcements carry: the virtual MAC when used, else the interface's.</summary>
    public MacAddress AnnouncementMac => UseVirtualMac ? VirtualMac : _transport.InterfaceMac;

    /// <summary>Gets the virtual addresses, in configured order.</summary>
    public IReadOnlyList<VirtualAddress> VirtualAddresses => _virtualAddresses;

    /// <summary>Gets the address advertisements are sent from.</summary>
    public PackedIPAddress PrimaryAddress => _transport.PrimaryAddress;

    /// <summary>Gets the counters.</summary>
    public VirtualRouterStatistics Statistics { get; } = new();

    /// <summary>Gets the current state.</summary>
    public VrrpState State => _machine.State;

    /// <summary>Gets a value indicating whether the router is master.</summary>
    public bool IsMaster => _machine.State == VrrpState.Master;

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
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
            {
                return;
            }

            _running = true;
            _transport.Register(VirtualRouterId, this);
            foreach (TrackedCheck check in _checks)
            {
                check.Changed += _onCheckChanged;
            }

            ApplyChecks();
            _machine.Startup();

            // A sync-group fault held from before a halt is stale: let the group say again whether it holds.
            SyncGroup?.MemberFaultChanged();
        }
    }

    /// <summary>Stops gracefully: a master sends priority 0 (so a backup takes over after Skew_Time) and removes its addresses.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            _machine.Shutdown();
            Detach();
        }
    }

    /// <summary>
    /// Stops at once without a word to the peers and without touching the addresses, as a crash would: for
    /// simulations of failure. Peers take over after Master_Down_Interval.
    /// </summary>
    public void Halt()
    {
        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            for (int i = 0; i < _timers.Length; i++)
            {
                _timers[i].Cancel();
            }

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

        lock (_gate)
        {
            _basePriority = priority;
            ApplyChecks();
        }
    }

    /// <summary>Tells the router its interface went down or came up (keepalived's interface tracking): down means Fault.</summary>
    /// <param name="up">Whether the link is up.</param>
    public void SetInterfaceUp(bool up)
    {
        lock (_gate)
        {
            bool hadOwnFault = _machine.HasOwnFault;
            _machine.SetInterfaceUp(up);
            if (hadOwnFault != _machine.HasOwnFault)
            {
                SyncGroup?.MemberFaultChanged();
            }
        }
    }

    /// <summary>Returns the last state changes, oldest first (at most 64).</summary>
    /// <returns>A copy of the history.</returns>
    public StateChange[] GetHistory()
    {
        lock (_gate)
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
        lock (_gate)
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
            foreach (TimerSlot slot in _timers)
            {
                slot.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public void Receive(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        VrrpPacketStatus status = Family == AddressFamily.InterNetwork
            ? VrrpDatagram.TryReadIPv4(packet, _policy, out ReceivedAdvertisement advertisement)
            : VrrpDatagram.TryReadIPv6(packet, metadata.Source, metadata.Destination, metadata.HopLimit, _policy, out advertisement);

        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            if (status == VrrpPacketStatus.Valid)
            {
                if (advertisement.Source == _transport.PrimaryAddress)
                {
                    return; // our own multicast, looped back
                }

                status = CheckAgainstRouter(advertisement);
            }

            if (status != VrrpPacketStatus.Valid)
            {
                Statistics.OnDiscarded(status);
                return;
            }

            VrrpPacket advert = advertisement.Packet;
            Statistics.OnReceived(advert.Priority, advertisement.ChecksumForm, Version == VrrpVersion.V3 && Family == AddressFamily.InterNetwork);
            _machine.AdvertisementReceived(advert.Priority, advert.AdvertisementIntervalCentiseconds, advertisement.Source);
        }
    }

    internal void FollowSyncGroup(VrrpState target)
    {
        lock (_gate)
        {
            if (_running)
            {
                _machine.FollowSyncGroup(target);
            }
        }
    }

    internal void SetSyncGroupFault(bool failing)
    {
        lock (_gate)
        {
            if (_running)
            {
                _machine.SetSyncGroupFault(failing);
            }
        }
    }

    void IVrrpActions.SendAdvertisement(byte priority)
    {
        var packet = new VrrpPacket(Version, VirtualRouterId, priority, _intervalField, Family, _addressBytes);
        PackedIPAddress source = _transport.PrimaryAddress;
        for (int i = 0; i < _destinations.Length; i++)
        {
            PackedIPAddress destination = _destinations[i];
            int length;
            bool written = Family == AddressFamily.InterNetwork
                ? VrrpDatagram.TryWriteIPv4(_sendBuffer, packet, source, destination, ++_ipIdentification, ChecksumForm, _authentication, ++_ahSequence, out length)
                : packet.TryWrite(_sendBuffer, ChecksumForm, source, destination, out length);
            Statistics.OnSent(priority, written && _transport.Send(_sendBuffer.AsSpan(0, length), destination));
        }
    }

    void IVrrpActions.ArmTimer(VrrpTimer timer, TimeSpan dueIn) => _timers[(int)timer].Arm(dueIn);

    void IVrrpActions.CancelTimer(VrrpTimer timer) => _timers[(int)timer].Cancel();

    void IVrrpActions.AddVirtualAddresses() => _addressManager.AddAddresses(this);

    void IVrrpActions.RemoveVirtualAddresses() => _addressManager.RemoveAddresses(this);

    void IVrrpActions.Announce(int repeat)
    {
        if (repeat > 0)
        {
            _announcer.Announce(this, repeat);
        }
    }

    bool IVrrpActions.MayBecomeMaster() => SyncGroup?.MayBecomeMaster(this) ?? true;

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

        var change = new StateChange(from, to, reason, _machine.Priority, _machine.MasterAddress, _time.GetUtcNow());
        _history[_historyCount % HistoryCapacity] = change;
        _historyCount++;

        try
        {
            _notifier?.OnStateChanged(this, change);
            StateChanged?.Invoke(this, change);
        }
#pragma warning disable CA1031 // a listener's failure must never fail a transition
        catch (Exception)
#pragma warning restore CA1031
        {
        }
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
            if (advert.AdvertisementInterval != _intervalField)
            {
                return VrrpPacketStatus.Interval;
            }

            if (advert.Priority != 255 && !advert.Addresses.SequenceEqual(_addressBytes))
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

    // RFC 2402 §3.4.3: a sequence number must grow. A sender silent for longer than Master_Down_Interval may have
    // restarted with a fresh counter, as keepalived does, so its next number starts a new window.
    private bool AcceptSequence(PackedIPAddress source, uint sequence)
    {
        long now = _time.GetTimestamp();
        if (_ahSequences.TryGetValue(source, out AhSequenceState last)
            && sequence <= last.Sequence
            && _time.GetElapsedTime(last.Timestamp, now) < MasterDownInterval)
        {
            return false;
        }

        _ahSequences[source] = new AhSequenceState(sequence, now);
        return true;
    }

    private void OnCheckChanged(object? sender, EventArgs e)
    {
        lock (_gate)
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
        _transport.Unregister(VirtualRouterId, this);
        foreach (TrackedCheck check in _checks)
        {
            check.Changed -= _onCheckChanged;
        }
    }

    private void OnTimer(TimerSlot slot)
    {
        lock (_gate)
        {
            if (!_running || !slot.TryConsume(_time))
            {
                return;
            }

            _machine.TimerFired(slot.Kind);
        }
    }

    private readonly record struct AhSequenceState(uint Sequence, long Timestamp);

    /// <summary>One timer of the router: the ITimer is created once and re-armed without allocating.</summary>
    private sealed class TimerSlot : IDisposable
    {
        private readonly VirtualRouter _router;
        private readonly ITimer _timer;
        private long _due;
        private bool _armed;

        public TimerSlot(VirtualRouter router, VrrpTimer kind)
        {
            _router = router;
            Kind = kind;
            _timer = router._time.CreateTimer(s_onTimer, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public VrrpTimer Kind { get; }

        public void Arm(TimeSpan dueIn)
        {
            _armed = true;
            _due = _router._time.GetTimestamp() + (long)(dueIn.Ticks * (_router._time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
            _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }

        public void Cancel()
        {
            _armed = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public void Fire() => _router.OnTimer(this);

        // A callback that raced with a Cancel or a re-Arm is stale: ignore it. System timers can fire up to a
        // millisecond early; re-arm for what remains rather than act early.
        public bool TryConsume(TimeProvider time)
        {
            if (!_armed)
            {
                return false;
            }

            long remaining = _due - time.GetTimestamp();
            if (remaining > 0)
            {
                // Round up to whole milliseconds: system timers tick in milliseconds, and a 0 ms re-arm would spin.
                long ticks = (long)Math.Ceiling(remaining * (TimeSpan.TicksPerSecond / (double)time.TimestampFrequency));
                _timer.Change(TimeSpan.FromMilliseconds(Math.Ceiling(ticks / (double)TimeSpan.TicksPerMillisecond)), Timeout.InfiniteTimeSpan);
                return false;
            }

            _armed = false;
            return true;
        }

        public void Dispose() => _timer.Dispose();
    }
}
