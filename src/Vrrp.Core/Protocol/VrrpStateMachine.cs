using Vrrp.Packets;

namespace Vrrp.Protocol;

/// <summary>
/// The VRRP state machine of RFC 9568 §6.4 (and RFC 3768 §6.4 for VRRPv2), with keepalived's Fault state and operator
/// knobs. Events in, actions out through <see cref="IVrrpActions"/>; no clock, no socket, no allocation.
/// </summary>
/// <remarks>
/// The host must deliver events one at a time. "Master" is RFC 9568's "Active"; "Master_Down" its "Active_Down".
/// </remarks>
internal sealed class VrrpStateMachine
{
    /// <summary>
    /// How many conflicting announcements a master answers in one exchange (answers each within two advertisement
    /// intervals of the last) without hearing a lower priority: enough to win the race against a router that took
    /// over and yielded, few enough that two masters of a split brain (VRRP cut, ARP flowing) stop answering each other.
    /// </summary>
    internal const int ConflictAnswersPerExchange = 3;

    private readonly IVrrpActions _actions;
    private readonly StateMachineSettings _settings;
    private byte _basePriority;
    private bool _interfaceDown;
    private bool _checkFault;
    private bool _actionFault;
    private bool _syncFault;
    private bool _preemptDelayPending;
    private bool _masterReleased;
    private bool _started;
    private ConflictPhase _conflictPhase;
    private int _conflictAnswersLeft;
    private int _advertisementsThisTerm;
    private bool _heardLowerPriorityThisTerm;

    // Set once a lower priority was answered, cleared when the Adver_Timer fires: at most one answer per interval,
    // however many lower-priority adverts arrive (forged ones drew one advert and one announcement burst each).
    private bool _answeredLowerPriorityThisInterval;

    // Set while this backup discards a lower-priority master's adverts to preempt it; its takeover is then "preempted".
    private bool _preemptingLowerPriority;
    private bool _contestedThisTerm;

    public VrrpStateMachine(StateMachineSettings settings, byte priority, IVrrpActions actions)
    {
        _settings = settings;
        _basePriority = priority;
        Priority = priority;
        _actions = actions;
        MasterAdverIntervalCentiseconds = settings.AdvertisementIntervalCentiseconds;
    }

    public VrrpState State { get; private set; }

    /// <summary>The effective priority: the base priority moved by tracked checks; 255 only for the owner.</summary>
    public byte Priority { get; private set; }

    /// <summary>Active_Adver_Interval: the interval learned from the master (VRRPv3), or our own (VRRPv2).</summary>
    public int MasterAdverIntervalCentiseconds { get; private set; }

    /// <summary>The address of the master we last heard from, or our own while we are master.</summary>
    public PackedIPAddress MasterAddress { get; private set; }

    /// <summary>The priority the current master advertised.</summary>
    public byte MasterPriority { get; private set; }

    public bool IsOwner => _basePriority == 255;

    /// <summary>In Backup, whether the last advertisement came from a master this router accepts (it reset the down timer).</summary>
    public bool HearsMaster { get; private set; }

    public bool InFault => _interfaceDown || _checkFault || _actionFault || _syncFault;

    /// <summary>In Fault, or would be, for a reason of this router's own: its interface, a weight-0 check, or a failed action.</summary>
    public bool HasOwnFault => _interfaceDown || _checkFault || _actionFault;

    public StateMachineSettings Settings => _settings;

    public TimeSpan SkewTime => TimerMath.SkewTime((int)_settings.Version, Priority, MasterAdverIntervalCentiseconds);

    public TimeSpan MasterDownInterval => TimerMath.MasterDownInterval((int)_settings.Version, Priority, MasterAdverIntervalCentiseconds, _settings.DownTimerAdverts);

    private TimeSpan AdvertisementInterval => TimeSpan.FromTicks(_settings.AdvertisementIntervalCentiseconds * TimerMath.TicksPerCentisecond);

    /// <summary>Startup event (RFC 9568 §6.4.1), after keepalived's startup delay when one is set.</summary>
    public void Startup()
    {
        if (State != VrrpState.Initialize || _started)
        {
            return;
        }

        _started = true;
        if (_settings.StartupDelay > TimeSpan.Zero)
        {
            _actions.ArmTimer(VrrpTimer.StartupDelay, _settings.StartupDelay);
            return;
        }

        EnterFromInitialize(StateChangeReason.Startup);
    }

    /// <summary>Shutdown event (RFC 9568 §6.4.2, §6.4.3): a master sends priority 0 first; everything ends in Initialize.</summary>
    public void Shutdown()
    {
        VrrpState from = State;
        _started = false;
        CancelAllTimers();
        if (from == VrrpState.Master)
        {
            // RFC 9568 §6.4.3: "Cancel the Adver_Timer; Send an ADVERTISEMENT with Priority = 0; Transition to the Initialize state."
            _actions.SendAdvertisement(0);
            _actions.RemoveVirtualAddresses();
        }

        if (from is VrrpState.Backup or VrrpState.Master or VrrpState.Fault)
        {
            Transition(VrrpState.Initialize, StateChangeReason.Shutdown);
        }
    }

    /// <summary>Marks the end of the router's life: Initialize → Stopped.</summary>
    public void Stop()
    {
        if (State != VrrpState.Initialize)
        {
            Shutdown();
        }

        if (State == VrrpState.Initialize)
        {
            CancelAllTimers();
            Transition(VrrpState.Stopped, StateChangeReason.Shutdown);
        }
    }

    /// <summary>Forgets everything after a halt (a simulated crash): back to Initialize without any action.</summary>
    public void Reset()
    {
        State = VrrpState.Initialize;
        _started = false;
        _preemptDelayPending = false;
        _masterReleased = false;
        _conflictPhase = ConflictPhase.Idle;
        MasterAddress = default;
        MasterPriority = 0;
        MasterAdverIntervalCentiseconds = _settings.AdvertisementIntervalCentiseconds;
    }

    /// <summary>A timer armed through <see cref="IVrrpActions.ArmTimer"/> fired.</summary>
    public void TimerFired(VrrpTimer timer)
    {
        switch (timer)
        {
            case VrrpTimer.Advertisement when State == VrrpState.Master:
                // RFC 9568 §6.4.3: "Send an ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval."
                _answeredLowerPriorityThisInterval = false;
                _actions.SendAdvertisement(Priority);
                _actions.ArmTimer(VrrpTimer.Advertisement, AdvertisementInterval);
                if (_advertisementsThisTerm < int.MaxValue)
                {
                    _advertisementsThisTerm++;
                }

                break;

            case VrrpTimer.MasterDown when State == VrrpState.Backup:
                HearsMaster = false;
                if (!_actions.MayBecomeMaster())
                {
                    // A sync group member still hears its master: wait another down interval, as keepalived does.
                    _actions.ArmTimer(VrrpTimer.MasterDown, MasterDownInterval);
                    break;
                }

                // RFC 9568 §6.4.2: the Active_Down_Timer fired: become master. RFC 8347's new-master-reason: the master
                // released it (priority 0), this router preempted a lower-priority master it was hearing ("preempted"),
                // or the master fell silent ("no-response").
                BecomeMaster(_masterReleased ? StateChangeReason.MasterReleased : _preemptingLowerPriority ? StateChangeReason.Preempted : StateChangeReason.NoResponse);
                break;

            case VrrpTimer.PreemptDelay:
                _preemptDelayPending = false;
                break;

            case VrrpTimer.AnnounceDelay when State == VrrpState.Master:
                _actions.Announce(_settings.AnnounceRepeat);
                break;

            case VrrpTimer.AnnounceRefresh when State == VrrpState.Master:
                _actions.Announce(_settings.AnnounceRefreshRepeat);
                _actions.ArmTimer(VrrpTimer.AnnounceRefresh, _settings.AnnounceRefresh);
                break;

            case VrrpTimer.OtherInterfaceAnnounce when State == VrrpState.Master:
                _actions.AnnounceOtherInterfaces();
                _actions.ArmTimer(VrrpTimer.OtherInterfaceAnnounce, _settings.AnnounceOtherInterfaces);
                break;

            case VrrpTimer.StartupDelay when State == VrrpState.Initialize && _started:
                EnterFromInitialize(StateChangeReason.Startup);
                break;

            case VrrpTimer.AnnounceLowerPriorityDelay when State == VrrpState.Master:
                _actions.Announce(_settings.AnnounceOnLowerPriorityRepeat);
                break;

            case VrrpTimer.ConflictAnswer when State == VrrpState.Master && _conflictPhase == ConflictPhase.Pending:
                // Answer, then keep the exchange open for two intervals: a conflict in that time is the other router
                // answering us, and counts against the exchange's answers; one after it starts a new exchange.
                _conflictAnswersLeft--;
                _actions.Announce(_settings.AnnounceRepeat);
                _conflictPhase = ConflictPhase.Answered;
                _actions.ArmTimer(VrrpTimer.ConflictAnswer, 2 * AdvertisementInterval);
                break;

            case VrrpTimer.ConflictAnswer:
                _conflictPhase = ConflictPhase.Idle;
                break;

            default:
                break; // a timer that outlived its state: ignore it
        }
    }

    /// <summary>
    /// An advertisement passed every packet and router check. <paramref name="intervalCentiseconds"/> is the sender's
    /// interval; <paramref name="source"/> its primary address.
    /// </summary>
    public void AdvertisementReceived(byte priority, int intervalCentiseconds, PackedIPAddress source)
    {
        switch (State)
        {
            case VrrpState.Backup:
                OnAdvertisementAsBackup(priority, intervalCentiseconds, source);
                break;
            case VrrpState.Master:
                OnAdvertisementAsMaster(priority, intervalCentiseconds, source);
                break;
            default:
                break; // Initialize, Fault and Stopped take no advertisements
        }
    }

    /// <summary>
    /// Another MAC announced one of this router's virtual addresses on the link (a gratuitous ARP, an ARP reply, a
    /// neighbour advertisement): a router that took over and yielded may have sent it after our own announcements,
    /// and the hosts that heard it now send to a router without the address. A master answers one advertisement
    /// interval later, when such a router has heard us and yielded, with a burst as on becoming master.
    /// </summary>
    /// <remarks>
    /// Only a master with a claim answers: one that has heard a lower priority this term, or has been master for
    /// Master_Down_Interval (it has advertised DownTimerAdverts times) without a conflict before that. A backup that
    /// took over because it could not hear the master is younger than that when it sees the master's answer, and
    /// stays without a claim for the rest of its term however long it lasts, so the two do not answer each other, and
    /// the one that was there first keeps the hosts. Conflicts within two intervals of an answer are one
    /// exchange, answered at most <see cref="ConflictAnswersPerExchange"/> times unless a lower priority is heard: two
    /// established masters of a split brain stop, while a backup that takes over again and again (a lossy link) is
    /// answered every time, its takeovers being further apart than that.
    /// </remarks>
    public void ConflictingAnnouncement()
    {
        if (State != VrrpState.Master || !_settings.AnswerConflictingAnnouncements || _conflictPhase == ConflictPhase.Pending)
        {
            return;
        }

        // A claim: a lower priority heard this term, or Master_Down_Interval as master without a conflict before it.
        bool claim = _heardLowerPriorityThisTerm || (!_contestedThisTerm && _advertisementsThisTerm >= _settings.DownTimerAdverts);
        if (!claim)
        {
            // Someone announced our address while we were new: a master we cannot hear. Never answer it this term,
            // even once older, unless we hear it with a lower priority.
            _contestedThisTerm = true;
            return;
        }

        if (_conflictPhase == ConflictPhase.Idle)
        {
            _conflictAnswersLeft = ConflictAnswersPerExchange;
        }
        else if (_conflictAnswersLeft <= 0)
        {
            return; // the exchange has had its answers: let it end
        }

        _conflictPhase = ConflictPhase.Pending;
        _actions.ArmTimer(VrrpTimer.ConflictAnswer, AdvertisementInterval);
    }

    /// <summary>The effective priority changed (tracked checks, or an operator).</summary>
    public void SetPriority(byte basePriority, byte effectivePriority)
    {
        _basePriority = basePriority;
        byte previous = Priority;
        Priority = basePriority == 255 ? (byte)255 : effectivePriority;
        if (Priority == previous)
        {
            return;
        }

        // A master advertises the change at once, so that a backup with preemption can take over without waiting an interval.
        if (State == VrrpState.Master)
        {
            _actions.SendAdvertisement(Priority);
            _actions.ArmTimer(VrrpTimer.Advertisement, AdvertisementInterval);
        }
    }

    /// <summary>The interface went down or came up (keepalived's interface tracking).</summary>
    public void SetInterfaceUp(bool up) => SetFault(ref _interfaceDown, !up, up ? StateChangeReason.InterfaceUp : StateChangeReason.InterfaceDown);

    /// <summary>A weight-0 tracked check failed or recovered.</summary>
    public void SetCheckFault(bool failing) => SetFault(ref _checkFault, failing, failing ? StateChangeReason.CheckFailed : StateChangeReason.CheckRecovered);

    /// <summary>Adding or removing the addresses, or announcing them, threw (or the hold after it ended).</summary>
    public void SetActionFault(bool failing) => SetFault(ref _actionFault, failing, failing ? StateChangeReason.ActionFailed : StateChangeReason.ActionRecovered);

    /// <summary>Another member of the sync group is in Fault (or no longer is).</summary>
    public void SetSyncGroupFault(bool failing) => SetFault(ref _syncFault, failing, StateChangeReason.SyncGroup);

    /// <summary>Follows a sync group member into Master or Backup (keepalived's <c>vrrp_sync_group</c>).</summary>
    public void FollowSyncGroup(VrrpState target)
    {
        if (State == target || InFault)
        {
            return;
        }

        if (target == VrrpState.Master && State == VrrpState.Backup)
        {
            BecomeMaster(StateChangeReason.SyncGroup);
        }
        else if (target == VrrpState.Backup && State == VrrpState.Master)
        {
            // Hand over quickly: a priority-0 advert sets the peers' down timers to Skew_Time (RFC 9568 §6.4.2).
            _actions.SendAdvertisement(0);
            LeaveMaster();
            EnterBackup(StateChangeReason.SyncGroup, MasterDownInterval);
        }
    }

    private void OnAdvertisementAsBackup(byte priority, int intervalCentiseconds, PackedIPAddress source)
    {
        if (priority == 0)
        {
            // RFC 9568 §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the Active_Down_Timer to Skew_Time."
            _masterReleased = true;
            HearsMaster = false;
            _actions.ArmTimer(VrrpTimer.MasterDown, SkewTime);
            return;
        }

        // RFC 9568 §6.4.2: "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater than or equal
        // to the local Priority": learn the interval and reset the down timer. keepalived's preempt_delay defers
        // preemption for a while after startup, as if Preempt_Mode were False.
        bool preempt = _settings.Preempt && !_preemptDelayPending;
        if (!preempt || priority >= Priority)
        {
            if (_settings.Version == VrrpVersion.V3)
            {
                MasterAdverIntervalCentiseconds = intervalCentiseconds;
            }

            _masterReleased = false;
            _preemptingLowerPriority = false;
            HearsMaster = true;
            MasterAddress = source;
            MasterPriority = priority;
            _actions.ArmTimer(VrrpTimer.MasterDown, MasterDownInterval);
            return;
        }

        HearsMaster = false;
        _preemptingLowerPriority = true;

        // Otherwise: "Discard the ADVERTISEMENT": the down timer runs out and this router preempts.
    }

    private void OnAdvertisementAsMaster(byte priority, int intervalCentiseconds, PackedIPAddress source)
    {
        if (priority == 0)
        {
            // RFC 9568 §6.4.3: "Send an ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval."
            _actions.SendAdvertisement(Priority);
            _actions.ArmTimer(VrrpTimer.Advertisement, AdvertisementInterval);
            return;
        }

        // RFC 9568 §6.4.3: a greater priority, or an equal one from a greater primary address (unsigned, network order).
        if (priority > Priority || (priority == Priority && source > _settings.PrimaryAddress))
        {
            if (_settings.AdvertiseOnHigherPriority)
            {
                _actions.SendAdvertisement(Priority);
            }

            if (_settings.Version == VrrpVersion.V3)
            {
                MasterAdverIntervalCentiseconds = intervalCentiseconds;
            }

            MasterAddress = source;
            MasterPriority = priority;
            LeaveMaster();
            EnterBackup(StateChangeReason.Preempted, MasterDownInterval);
            HearsMaster = true; // it has just heard the master it yields to
            return;
        }

        // Hearing the other router proves this one the rightful master: it may answer its announcements again.
        _heardLowerPriorityThisTerm = true;
        _conflictAnswersLeft = ConflictAnswersPerExchange;

        // Once per Advertisement_Interval: the answer asserts mastership and updates the bridges, which one advert
        // does as well as a thousand; more only amplifies a flood of (possibly forged) adverts onto the segment.
        if (_answeredLowerPriorityThisInterval)
        {
            _actions.LowerPriorityAnswerWithheld();
            return;
        }

        _answeredLowerPriorityThisInterval = true;
        _actions.LowerPriorityAnswered(priority, source);

        // RFC 9568 §6.4.3: discard, "then Send an ADVERTISEMENT immediately to assert the Active state to the sending
        // VRRP Router and to update any learning bridges"; keepalived's garp_lower_prio_repeat re-announces too.
        if (_settings.AdvertiseOnLowerPriority)
        {
            _actions.SendAdvertisement(Priority);
        }

        if (_settings.AnnounceOnLowerPriorityRepeat > 0)
        {
            _actions.Announce(_settings.AnnounceOnLowerPriorityRepeat);

            // keepalived's garp_lower_prio_delay: a second set, in case the lower router announced after the first.
            if (_settings.AnnounceOnLowerPriorityDelay > TimeSpan.Zero)
            {
                _actions.ArmTimer(VrrpTimer.AnnounceLowerPriorityDelay, _settings.AnnounceOnLowerPriorityDelay);
            }
        }
    }

    private void EnterFromInitialize(StateChangeReason reason)
    {
        if (InFault)
        {
            Transition(VrrpState.Fault, _interfaceDown ? StateChangeReason.InterfaceDown : _checkFault ? StateChangeReason.CheckFailed : _actionFault ? StateChangeReason.ActionFailed : StateChangeReason.SyncGroup);
            return;
        }

        if (Priority == 255)
        {
            // RFC 9568 §6.4.1: the owner advertises, announces and becomes master at once.
            BecomeMaster(StateChangeReason.Owner);
            return;
        }

        // RFC 9568 §6.4.1: "Set Active_Adver_Interval to Advertisement_Interval; Set the Active_Down_Timer to Active_Down_Interval."
        MasterAdverIntervalCentiseconds = _settings.AdvertisementIntervalCentiseconds;
        StartPreemptDelay();
        EnterBackup(reason, MasterDownInterval);
    }

    private void BecomeMaster(StateChangeReason reason)
    {
        // RFC 9568 §6.4.2: send an ADVERTISEMENT, announce every address (GARP / unsolicited NA), arm the Adver_Timer.
        // The advertisement goes first, before the netlink round trip that adds the addresses: the other routers learn
        // of the new master as early as the RFC allows; the addresses are in place before the announcement draws traffic.
        _actions.CancelTimer(VrrpTimer.MasterDown);
        _actions.CancelTimer(VrrpTimer.PreemptDelay);
        _preemptDelayPending = false;
        _masterReleased = false;
        _conflictPhase = ConflictPhase.Idle;
        _advertisementsThisTerm = 0;
        _heardLowerPriorityThisTerm = false;
        _answeredLowerPriorityThisInterval = false;
        _contestedThisTerm = false;
        _actions.SendAdvertisement(Priority);
        _actions.AddVirtualAddresses();
        _actions.Announce(_settings.AnnounceRepeat);
        _actions.ArmTimer(VrrpTimer.Advertisement, AdvertisementInterval);
        if (_settings.AnnounceDelay > TimeSpan.Zero)
        {
            _actions.ArmTimer(VrrpTimer.AnnounceDelay, _settings.AnnounceDelay);
        }

        if (_settings.AnnounceRefresh > TimeSpan.Zero)
        {
            _actions.ArmTimer(VrrpTimer.AnnounceRefresh, _settings.AnnounceRefresh);
        }

        if (_settings.AnnounceOtherInterfaces > TimeSpan.Zero)
        {
            _actions.ArmTimer(VrrpTimer.OtherInterfaceAnnounce, _settings.AnnounceOtherInterfaces);
        }

        MasterAddress = _settings.PrimaryAddress;
        MasterPriority = Priority;
        MasterAdverIntervalCentiseconds = _settings.AdvertisementIntervalCentiseconds;
        Transition(VrrpState.Master, reason);
    }

    private void LeaveMaster()
    {
        _actions.CancelTimer(VrrpTimer.Advertisement);
        CancelAnnouncementTimers();
        _actions.RemoveVirtualAddresses();
    }

    private void CancelAnnouncementTimers()
    {
        _actions.CancelTimer(VrrpTimer.AnnounceDelay);
        _actions.CancelTimer(VrrpTimer.AnnounceRefresh);
        _actions.CancelTimer(VrrpTimer.AnnounceLowerPriorityDelay);
        _actions.CancelTimer(VrrpTimer.ConflictAnswer);
        _actions.CancelTimer(VrrpTimer.OtherInterfaceAnnounce);
        _conflictPhase = ConflictPhase.Idle;
    }

    private void EnterBackup(StateChangeReason reason, TimeSpan downTimer)
    {
        _masterReleased = false; // only a priority-0 advert heard in this Backup spell makes the takeover a release
        _preemptingLowerPriority = false;
        HearsMaster = false;
        _actions.ArmTimer(VrrpTimer.MasterDown, downTimer);
        Transition(VrrpState.Backup, reason);
    }

    private void StartPreemptDelay()
    {
        _preemptDelayPending = _settings.PreemptDelay > TimeSpan.Zero;
        if (_preemptDelayPending)
        {
            _actions.ArmTimer(VrrpTimer.PreemptDelay, _settings.PreemptDelay);
        }
    }

    private void SetFault(ref bool flag, bool value, StateChangeReason reason)
    {
        bool wasInFault = InFault;
        flag = value;
        if (State is VrrpState.Initialize or VrrpState.Stopped || wasInFault == InFault)
        {
            return;
        }

        if (InFault)
        {
            CancelAllTimers();
            if (State == VrrpState.Master)
            {
                // Release quickly when the link still carries packets; over a dead link the send simply fails.
                if (!_interfaceDown)
                {
                    _actions.SendAdvertisement(0);
                }

                _actions.RemoveVirtualAddresses();
            }

            Transition(VrrpState.Fault, reason);
            return;
        }

        // Leaving Fault: the owner becomes master again; anyone else waits as backup, as after startup.
        if (Priority == 255)
        {
            BecomeMaster(reason);
            return;
        }

        MasterAdverIntervalCentiseconds = _settings.AdvertisementIntervalCentiseconds;
        StartPreemptDelay();
        EnterBackup(reason, MasterDownInterval);
    }

    private void CancelAllTimers()
    {
        _actions.CancelTimer(VrrpTimer.Advertisement);
        _actions.CancelTimer(VrrpTimer.MasterDown);
        _actions.CancelTimer(VrrpTimer.PreemptDelay);
        _actions.CancelTimer(VrrpTimer.AnnounceDelay);
        _actions.CancelTimer(VrrpTimer.AnnounceRefresh);
        _actions.CancelTimer(VrrpTimer.StartupDelay);
        _actions.CancelTimer(VrrpTimer.AnnounceLowerPriorityDelay);
        _actions.CancelTimer(VrrpTimer.ConflictAnswer);
        _actions.CancelTimer(VrrpTimer.OtherInterfaceAnnounce);
        _conflictPhase = ConflictPhase.Idle;
        _preemptDelayPending = false;
        _masterReleased = false;
    }

    private void Transition(VrrpState to, StateChangeReason reason)
    {
        VrrpState from = State;
        State = to;
        if ((to != VrrpState.Master && from == VrrpState.Master && MasterAddress == _settings.PrimaryAddress) || to is VrrpState.Initialize or VrrpState.Fault or VrrpState.Stopped)
        {
            // Nothing is known of a master while we are not listening.
            MasterAddress = default;
            MasterPriority = 0;
        }

        _actions.StateChanged(from, to, reason);
    }

    /// <summary>Where a master is in answering conflicting announcements.</summary>
    private enum ConflictPhase : byte
    {
        /// <summary>No exchange: the next conflict starts one, with all its answers.</summary>
        Idle,

        /// <summary>An answer is due when <see cref="VrrpTimer.ConflictAnswer"/> fires; more conflicts fold into it.</summary>
        Pending,

        /// <summary>Answered; the exchange stays open for two intervals.</summary>
        Answered,
    }
}
