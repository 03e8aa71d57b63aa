using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Tests.Protocol;

/// <summary>
/// The transition table of RFC 9568 §6.4 (§6.4.1 Initialize, §6.4.2 Backup, §6.4.3 Active, called Master here), one
/// test per row, then keepalived's knobs. Each test puts a machine in the row's state, clears the record, delivers the
/// row's event, and asserts every action in order.
/// </summary>
/// <remarks>
/// The local router is 198.51.100.2 with priority 100 and Advertisement_Interval 1 s (100 cs), so that:
/// Skew_Time = (256 − 100) × 1 s / 256 = 0.609375 s and Active_Down_Interval = 3 × 1 s + Skew_Time = 3.609375 s.
/// The peers are 198.51.100.1 (a smaller address) and 198.51.100.3 (a greater one). The RFC rows use settings with
/// keepalived's garp_master_delay off, so that only the RFC's actions appear; the knobs are tested after them.
/// </remarks>
public sealed class TransitionTableTests
{
    private const byte LocalPriority = 100;

    private static readonly PackedIPAddress s_self = PackedIPAddress.Parse("198.51.100.2");
    private static readonly PackedIPAddress s_smaller = PackedIPAddress.Parse("198.51.100.1");
    private static readonly PackedIPAddress s_greater = PackedIPAddress.Parse("198.51.100.3");

    // Every timer, in the order VrrpStateMachine.CancelAllTimers cancels them.
    private static readonly string[] s_cancelAll =
    [
        "cancel Advertisement",
        "cancel MasterDown",
        "cancel PreemptDelay",
        "cancel AnnounceDelay",
        "cancel AnnounceRefresh",
        "cancel StartupDelay",
        "cancel AnnounceLowerPriorityDelay",
        "cancel ConflictAnswer",
        "cancel OtherInterfaceAnnounce",
    ];

    // ---------------------------------------------------------------------------------------------------------------
    // §6.4.1 Initialize
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Initialize_startup_of_the_owner_sends_announces_arms_the_adver_timer_and_becomes_master()
    {
        // RFC 9568 §6.4.1: "If a Startup event is received, then: If the Priority = 255 (i.e., the router owns the IPvX
        // address associated with the Virtual Router), then: Send an ADVERTISEMENT; [broadcast a gratuitous ARP / send
        // an unsolicited ND Neighbor Advertisement for each address]; Set the Adver_Timer to Advertisement_Interval;
        // Transition to the {Active} state."
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc(), 255, actions);

        machine.Startup();

        Assert.Equal(
            [
                "cancel MasterDown",
                "cancel PreemptDelay",
                "send 255",
                "add",
                "announce 5",
                "arm Advertisement 00:00:01",
                "state Initialize->Master Owner",
            ],
            actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
        Assert.Equal(s_self, machine.MasterAddress);
    }

    [Fact]
    public void Initialize_startup_of_a_non_owner_arms_the_down_timer_to_three_intervals_plus_skew_and_becomes_backup()
    {
        // RFC 9568 §6.4.1: "else // Router is not the address owner: Set Active_Adver_Interval to Advertisement_Interval;
        // Set the Active_Down_Timer to Active_Down_Interval; Transition to the {Backup} state."
        // §6.1: Active_Down_Interval = (3 * Active_Adver_Interval) + Skew_Time = 3 s + 156/256 s.
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc(), LocalPriority, actions);

        machine.Startup();

        Assert.Equal(["arm MasterDown 00:00:03.6093750", "state Initialize->Backup Startup"], actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
        Assert.Equal(100, machine.MasterAdverIntervalCentiseconds);
    }

    [Fact]
    public void Initialize_takes_no_advertisement_and_no_timer()
    {
        // RFC 9568 §6.4.1: the only event of Initialize is Startup. keepalived likewise ignores adverts before it runs.
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc(), LocalPriority, actions);

        machine.AdvertisementReceived(200, 100, s_greater);
        machine.TimerFired(VrrpTimer.MasterDown);
        machine.TimerFired(VrrpTimer.Advertisement);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Initialize, machine.State);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // §6.4.2 Backup
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Backup_receiving_shutdown_cancels_the_down_timer_and_returns_to_initialize()
    {
        // RFC 9568 §6.4.2: "If a Shutdown event is received, then: Cancel the Active_Down_Timer; Transition to the
        // {Initialize} state." (The machine cancels every timer it owns; only the down timer is armed here.)
        var (machine, actions) = InBackup();

        machine.Shutdown();

        Assert.Equal([.. s_cancelAll, "state Backup->Initialize Shutdown"], actions.Calls);
        Assert.Equal(VrrpState.Initialize, machine.State);
    }

    [Fact]
    public void Backup_whose_down_timer_fires_sends_adds_the_addresses_announces_arms_the_adver_timer_and_becomes_master()
    {
        // RFC 9568 §6.4.2: "If the Active_Down_Timer fires, then: Send an ADVERTISEMENT; [gratuitous ARP / unsolicited NA
        // for each address]; Set the Adver_Timer to Advertisement_Interval; Transition to the {Active} state."
        var (machine, actions) = InBackup();

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Equal(
            [
                "cancel MasterDown",
                "cancel PreemptDelay",
                "send 100",
                "add",
                "announce 5",
                "arm Advertisement 00:00:01",
                "state Backup->Master NoResponse",
            ],
            actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    [Fact]
    public void Backup_receiving_priority_zero_sets_the_down_timer_to_skew_time()
    {
        // RFC 9568 §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the Active_Down_Timer to Skew_Time."
        // §6.1: Skew_Time = ((256 - Priority) * Active_Adver_Interval) / 256 = 156/256 s.
        var (machine, actions) = InBackup();

        machine.AdvertisementReceived(0, 100, s_greater);

        Assert.Equal(["arm MasterDown 00:00:00.6093750"], actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
    }

    [Fact]
    public void Backup_receiving_priority_zero_computes_skew_time_from_the_interval_it_learned()
    {
        // RFC 9568 §6.1: Skew_Time is computed from Active_Adver_Interval, which a backup learned from the master's
        // adverts (§6.4.2): 2 s learned, so Skew_Time = 156 × 2 s / 256 = 1.21875 s.
        var (machine, actions) = InBackup();
        machine.AdvertisementReceived(150, 200, s_greater);
        actions.Clear();

        machine.AdvertisementReceived(0, 200, s_greater);

        Assert.Equal(["arm MasterDown 00:00:01.2187500"], actions.Calls);
    }

    [Fact]
    public void Backup_taking_over_after_a_priority_zero_release_reports_master_released()
    {
        // RFC 9568 §6.4.2: the release shortens the wait to Skew_Time; then the Active_Down_Timer fires as usual.
        var (machine, actions) = InBackup();
        machine.AdvertisementReceived(0, 100, s_greater);
        actions.Clear();

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Equal("state Backup->Master MasterReleased", actions.Calls[^1]);
    }

    [Fact]
    public void Backup_restarted_after_a_priority_zero_release_reports_no_response_when_its_down_timer_fires()
    {
        // A release heard before a Shutdown belongs to the old run: after RFC 9568 §6.4.1's Startup, a down timer that
        // fires with no advertisement heard at all is RFC 8347's "no-response", not a release.
        var (machine, actions) = InBackup();
        machine.AdvertisementReceived(0, 100, s_greater);
        machine.Shutdown();
        machine.Startup();
        actions.Clear();

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Equal("state Backup->Master NoResponse", actions.Calls[^1]);
    }

    [Fact]
    public void Backup_back_from_fault_after_a_priority_zero_release_reports_no_response_when_its_down_timer_fires()
    {
        // The same across Fault: leaving Fault arms a fresh Active_Down_Interval; nothing was heard since.
        var (machine, actions) = InBackup();
        machine.AdvertisementReceived(0, 100, s_greater);
        machine.SetInterfaceUp(false);
        machine.SetInterfaceUp(true);
        actions.Clear();

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Equal("state Backup->Master NoResponse", actions.Calls[^1]);
    }

    [Theory]
    [InlineData(100)] // equal to the local priority
    [InlineData(150)] // greater
    [InlineData(254)]
    public void Backup_receiving_a_higher_or_equal_priority_learns_the_interval_and_resets_the_down_timer(byte priority)
    {
        // RFC 9568 §6.4.2: "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater than or equal to
        // the local Priority, then: Set the Active_Adver_Interval to the Max Advertise Interval contained in the
        // ADVERTISEMENT; Recompute the Skew_Time; Recompute the Active_Down_Interval; Set the Active_Down_Timer to
        // Active_Down_Interval." With 2 s learned: 3 × 2 s + 156 × 2 s / 256 = 7.21875 s.
        var (machine, actions) = InBackup();

        machine.AdvertisementReceived(priority, 200, s_smaller);

        Assert.Equal(["arm MasterDown 00:00:07.2187500"], actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
        Assert.Equal(200, machine.MasterAdverIntervalCentiseconds);
        Assert.Equal(s_smaller, machine.MasterAddress);
        Assert.Equal(priority, machine.MasterPriority);
    }

    [Fact]
    public void A_backup_that_preempts_a_lower_priority_master_becomes_master_for_preemption_not_silence()
    {
        // RFC 8347 new-master-reason: "preempted" (the master was preempted), not "no-response": the master spoke, at
        // a lower priority. Before: reported NoResponse, the same as a dead master. A master heard at a higher
        // priority in between clears it: then its silence is what lets this router take over.
        var (machine, actions) = InBackup();
        machine.AdvertisementReceived(50, 100, s_greater);
        machine.TimerFired(VrrpTimer.MasterDown);
        Assert.Contains("state Backup->Master Preempted", actions.Calls);

        var (other, otherActions) = InBackup();
        other.AdvertisementReceived(50, 100, s_greater);
        other.AdvertisementReceived(200, 100, s_greater);
        other.TimerFired(VrrpTimer.MasterDown);
        Assert.Contains("state Backup->Master NoResponse", otherActions.Calls);
    }

    [Fact]
    public void Backup_with_preemption_discards_a_lower_priority_advertisement_without_any_action()
    {
        // RFC 9568 §6.4.2: "else // preempt was true and priority was less than the local priority: Discard the
        // ADVERTISEMENT." The down timer keeps running and this router preempts when it fires.
        var (machine, actions) = InBackup();

        machine.AdvertisementReceived(50, 200, s_greater);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
        Assert.Equal(100, machine.MasterAdverIntervalCentiseconds);
        Assert.Equal(default, machine.MasterAddress);
    }

    [Fact]
    public void Backup_without_preemption_accepts_a_lower_priority_advertisement_and_resets_the_down_timer()
    {
        // RFC 9568 §6.4.2: "If Preempt_Mode is False, or ...": the lower-priority master is accepted like any other.
        var (machine, actions) = InBackup(Rfc() with { Preempt = false });

        machine.AdvertisementReceived(50, 200, s_greater);

        Assert.Equal(["arm MasterDown 00:00:07.2187500"], actions.Calls);
        Assert.Equal(200, machine.MasterAdverIntervalCentiseconds);
        Assert.Equal(s_greater, machine.MasterAddress);
        Assert.Equal(50, machine.MasterPriority);
    }

    [Fact]
    public void Backup_ignores_an_adver_timer_that_outlived_the_master_state()
    {
        // RFC 9568 §6.4.3 / §6.4.2: the Adver_Timer belongs to the Active state; in Backup its firing means nothing.
        var (machine, actions) = InBackup();

        machine.TimerFired(VrrpTimer.Advertisement);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // §6.4.3 Active (Master)
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Master_whose_adver_timer_fires_sends_and_rearms_the_adver_timer()
    {
        // RFC 9568 §6.4.3: "If the Adver_Timer fires, then: Send an ADVERTISEMENT; Reset the Adver_Timer to
        // Advertisement_Interval."
        var (machine, actions) = InMaster();

        machine.TimerFired(VrrpTimer.Advertisement);

        Assert.Equal(["send 100", "arm Advertisement 00:00:01"], actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    [Fact]
    public void Master_receiving_shutdown_cancels_the_adver_timer_sends_priority_zero_and_returns_to_initialize()
    {
        // RFC 9568 §6.4.3: "If a Shutdown event is received, then: Cancel the Adver_Timer; Send an ADVERTISEMENT with
        // Priority = 0; Transition to the {Initialize} state." The addresses leave the interface before the report.
        var (machine, actions) = InMaster();

        machine.Shutdown();

        Assert.Equal([.. s_cancelAll, "send 0", "remove", "state Master->Initialize Shutdown"], actions.Calls);
        Assert.Equal(VrrpState.Initialize, machine.State);
        Assert.Equal(default, machine.MasterAddress);
    }

    [Fact]
    public void Master_receiving_priority_zero_sends_at_once_and_resets_the_adver_timer()
    {
        // RFC 9568 §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT; Reset the
        // Adver_Timer to Advertisement_Interval."
        var (machine, actions) = InMaster();

        machine.AdvertisementReceived(0, 100, s_greater);

        Assert.Equal(["send 100", "arm Advertisement 00:00:01"], actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    [Fact]
    public void Master_receiving_a_higher_priority_cancels_the_adver_timer_learns_the_interval_and_becomes_backup()
    {
        // RFC 9568 §6.4.3: "If the Priority in the ADVERTISEMENT is greater than the local Priority [...], then: Cancel
        // Adver_Timer; Set the Active_Adver_Interval to the Max Advertise Interval contained in the ADVERTISEMENT;
        // Recompute the Skew_Time; Recompute the Active_Down_Interval; Set the Active_Down_Timer to
        // Active_Down_Interval; Transition to the {Backup} state." The priority wins even from a smaller address.
        var (machine, actions) = InMaster();

        machine.AdvertisementReceived(150, 200, s_smaller);

        Assert.Equal(
            [
                "cancel Advertisement",
                "cancel AnnounceDelay",
                "cancel AnnounceRefresh",
                "cancel AnnounceLowerPriorityDelay",
                "cancel ConflictAnswer",
                "cancel OtherInterfaceAnnounce",
                "remove",
                "arm MasterDown 00:00:07.2187500",
                "state Master->Backup Preempted",
            ],
            actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
        Assert.Equal(200, machine.MasterAdverIntervalCentiseconds);
        Assert.Equal(s_smaller, machine.MasterAddress);
        Assert.Equal(150, machine.MasterPriority);
    }

    [Fact]
    public void Master_receiving_an_equal_priority_from_a_greater_address_becomes_backup()
    {
        // RFC 9568 §6.4.3: "[...] or the Priority in the ADVERTISEMENT is equal to the local Priority and the primary
        // IPvX address of the sender is greater than the local primary IPvX address (based on an unsigned integer
        // comparison of the IPvX addresses in network byte order), then: [...] Transition to the {Backup} state."
        var (machine, actions) = InMaster();

        machine.AdvertisementReceived(LocalPriority, 100, s_greater);

        Assert.Equal(
            [
                "cancel Advertisement",
                "cancel AnnounceDelay",
                "cancel AnnounceRefresh",
                "cancel AnnounceLowerPriorityDelay",
                "cancel ConflictAnswer",
                "cancel OtherInterfaceAnnounce",
                "remove",
                "arm MasterDown 00:00:03.6093750",
                "state Master->Backup Preempted",
            ],
            actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
    }

    [Fact]
    public void Master_receiving_an_equal_priority_compares_addresses_as_unsigned_integers()
    {
        // RFC 9568 §6.4.3: "based on an unsigned integer comparison of the IPvX addresses in network byte order":
        // 10.0.0.1 is smaller than 198.51.100.2, though a signed 32-bit comparison would put 198.x (negative) first.
        var (machine, actions) = InMaster();

        machine.AdvertisementReceived(LocalPriority, 100, PackedIPAddress.Parse("10.0.0.1"));

        Assert.Equal(["send 100"], actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    [Fact]
    public void Master_receiving_an_equal_priority_from_a_smaller_address_stays_master_and_sends_at_once()
    {
        // RFC 9568 §6.4.3: "else // new Active Router logic: Discard the ADVERTISEMENT; Send an ADVERTISEMENT
        // immediately to assert the {Active} state to the sending VRRP Router and to update any learning bridges with
        // the correct Active VRRP Router path."
        var (machine, actions) = InMaster();

        machine.AdvertisementReceived(LocalPriority, 100, s_smaller);

        Assert.Equal(["send 100"], actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
        Assert.Equal(s_self, machine.MasterAddress);
    }

    [Fact]
    public void Master_receiving_a_lower_priority_stays_master_and_sends_at_once()
    {
        // RFC 9568 §6.4.3: "else // new Active Router logic: Discard the ADVERTISEMENT; Send an ADVERTISEMENT
        // immediately to assert the {Active} state [...]." Even from a greater address: priority decides first.
        var (machine, actions) = InMaster();

        machine.AdvertisementReceived(50, 100, s_greater);

        Assert.Equal(["send 100"], actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    [Fact]
    public void Master_answers_lower_priorities_at_most_once_per_advertisement_interval()
    {
        // Before: each of 10,000 forged 32-byte adverts drew an advert and an announcement burst (2,219 adverts and
        // 221,900 frames with 20 addresses measured). Now one answer per Advertisement_Interval, the rest counted.
        var (machine, actions) = InMaster(Rfc() with { AnnounceOnLowerPriorityRepeat = 3 });

        for (int i = 0; i < 10_000; i++)
        {
            machine.AdvertisementReceived(50, 100, s_greater);
        }

        Assert.Equal(["send 100", "announce 3"], actions.Calls);
        Assert.Equal(9_999, actions.Withheld);

        // The next interval may answer again, once.
        actions.Clear();
        machine.TimerFired(VrrpTimer.Advertisement);
        machine.AdvertisementReceived(50, 100, s_greater);
        machine.AdvertisementReceived(50, 100, s_greater);
        Assert.Equal(["send 100", RecordingActions.Arm(VrrpTimer.Advertisement, TimeSpan.FromSeconds(1)), "send 100", "announce 3"], actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    [Fact]
    public void Master_with_lower_prio_no_advert_receiving_a_lower_priority_stays_master_silently()
    {
        // keepalived's lower_prio_no_advert turns off the RFC 9568 §6.4.3 reply: the advert is only discarded.
        var (machine, actions) = InMaster(Rfc() with { AdvertiseOnLowerPriority = false });

        machine.AdvertisementReceived(50, 100, s_greater);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    [Fact]
    public void Master_ignores_a_down_timer_that_outlived_the_backup_state()
    {
        // RFC 9568 §6.4.2: the Active_Down_Timer belongs to Backup; in Active its firing means nothing.
        var (machine, actions) = InMaster();

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Master, machine.State);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // VRRPv2 (RFC 3768 §6.1) against VRRPv3 (RFC 9568 §6.1)
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void V2_backup_arms_three_own_intervals_plus_a_skew_in_256ths_of_a_second()
    {
        // RFC 3768 §6.1: "Skew_Time [...] Calculated as: ( (256 - Priority) / 256 )" seconds, and
        // "Master_Down_Interval [...] Calculated as: (3 * Advertisement_Interval) + Skew_time".
        // With a 2 s interval: 6 s + 156/256 s = 6.609375 s; the skew does not scale with the interval.
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc(VrrpVersion.V2, 200), LocalPriority, actions);

        machine.Startup();

        Assert.Equal(["arm MasterDown 00:00:06.6093750", "state Initialize->Backup Startup"], actions.Calls);
    }

    [Fact]
    public void V3_backup_arms_three_intervals_plus_a_skew_scaled_by_the_interval()
    {
        // RFC 9568 §6.1: Skew_Time = ((256 - priority) * Active_Adver_Interval) / 256; with 2 s: 6 s + 1.21875 s.
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc(VrrpVersion.V3, 200), LocalPriority, actions);

        machine.Startup();

        Assert.Equal(["arm MasterDown 00:00:07.2187500", "state Initialize->Backup Startup"], actions.Calls);
    }

    [Fact]
    public void V2_backup_keeps_its_own_interval_whatever_the_master_advertises()
    {
        // RFC 3768 §6.4.2: "Reset the Master_Down_Timer to Master_Down_Interval", computed from the local
        // Advertisement_Interval; VRRPv2 has no Master_Adver_Interval to learn.
        var (machine, actions) = InBackup(Rfc(VrrpVersion.V2, 200));

        machine.AdvertisementReceived(150, 50, s_greater);

        Assert.Equal(["arm MasterDown 00:00:06.6093750"], actions.Calls);
        Assert.Equal(200, machine.MasterAdverIntervalCentiseconds);
    }

    [Fact]
    public void V3_backup_takes_the_interval_the_master_advertises()
    {
        // RFC 9568 §6.4.2: learned 50 cs: 3 × 0.5 s + 156 × 0.5 s / 256 = 1.8046875 s, though its own is 2 s.
        var (machine, actions) = InBackup(Rfc(VrrpVersion.V3, 200));

        machine.AdvertisementReceived(150, 50, s_greater);

        Assert.Equal(["arm MasterDown 00:00:01.8046875"], actions.Calls);
        Assert.Equal(50, machine.MasterAdverIntervalCentiseconds);
    }

    [Fact]
    public void V2_backup_receiving_priority_zero_waits_a_skew_in_256ths_of_a_second()
    {
        // RFC 3768 §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to Skew_Time".
        var (machine, actions) = InBackup(Rfc(VrrpVersion.V2, 200));

        machine.AdvertisementReceived(0, 200, s_greater);

        Assert.Equal(["arm MasterDown 00:00:00.6093750"], actions.Calls);
    }

    [Fact]
    public void Master_advertises_at_its_own_interval_after_a_backup_learned_another()
    {
        // RFC 9568 §6.4.2: on taking over, "Set the Adver_Timer to Advertisement_Interval": its own, not the learned one.
        var (machine, actions) = InBackup(Rfc(VrrpVersion.V3, 100));
        machine.AdvertisementReceived(150, 300, s_greater);
        actions.Clear();

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Contains("arm Advertisement 00:00:01", actions.Calls);
        Assert.Equal(100, machine.MasterAdverIntervalCentiseconds);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // keepalived knobs
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Preempt_delay_is_armed_at_startup_before_the_down_timer()
    {
        // keepalived preempt_delay: preemption waits this long after startup.
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc() with { PreemptDelay = TimeSpan.FromSeconds(10) }, LocalPriority, actions);

        machine.Startup();

        Assert.Equal(
            ["arm PreemptDelay 00:00:10", "arm MasterDown 00:00:03.6093750", "state Initialize->Backup Startup"],
            actions.Calls);
    }

    [Fact]
    public void Backup_in_its_preempt_delay_accepts_a_lower_priority_advertisement_as_if_preempt_were_off()
    {
        // keepalived preempt_delay: until it runs out, RFC 9568 §6.4.2 behaves as with Preempt_Mode False.
        var (machine, actions) = InBackup(Rfc() with { PreemptDelay = TimeSpan.FromSeconds(10) });

        machine.AdvertisementReceived(50, 100, s_greater);

        Assert.Equal(["arm MasterDown 00:00:03.6093750"], actions.Calls);
        Assert.Equal(s_greater, machine.MasterAddress);
    }

    [Fact]
    public void Backup_after_its_preempt_delay_fired_discards_a_lower_priority_advertisement()
    {
        // keepalived preempt_delay: once it fires, RFC 9568 §6.4.2's "Discard the ADVERTISEMENT" applies again.
        var (machine, actions) = InBackup(Rfc() with { PreemptDelay = TimeSpan.FromSeconds(10) });
        machine.AdvertisementReceived(50, 100, s_greater);
        actions.Clear();

        machine.TimerFired(VrrpTimer.PreemptDelay);
        machine.AdvertisementReceived(50, 100, s_greater);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Backup, machine.State);
    }

    [Fact]
    public void Backup_after_its_preempt_delay_preempts_the_lower_priority_master_when_the_down_timer_fires()
    {
        // keepalived preempt_delay: after the delay, the last accepted down timer runs out and this router takes over.
        var (machine, actions) = InBackup(Rfc() with { PreemptDelay = TimeSpan.FromSeconds(10) });
        machine.AdvertisementReceived(50, 100, s_greater);
        machine.TimerFired(VrrpTimer.PreemptDelay);
        machine.AdvertisementReceived(50, 100, s_greater);
        actions.Clear();

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Equal(VrrpState.Master, machine.State);
        Assert.Equal("state Backup->Master Preempted", actions.Calls[^1]);
    }

    [Fact]
    public void Master_with_higher_prio_send_advert_sends_once_more_before_yielding()
    {
        // keepalived higher_prio_send_advert: the yielding master sends an advert with its own priority first, then does
        // RFC 9568 §6.4.3's transition to Backup.
        var (machine, actions) = InMaster(Rfc() with { AdvertiseOnHigherPriority = true });

        machine.AdvertisementReceived(150, 100, s_greater);

        Assert.Equal(
            [
                "send 100",
                "cancel Advertisement",
                "cancel AnnounceDelay",
                "cancel AnnounceRefresh",
                "cancel AnnounceLowerPriorityDelay",
                "cancel ConflictAnswer",
                "cancel OtherInterfaceAnnounce",
                "remove",
                "arm MasterDown 00:00:03.6093750",
                "state Master->Backup Preempted",
            ],
            actions.Calls);
    }

    [Fact]
    public void Master_with_garp_lower_prio_repeat_announces_after_answering_a_lower_priority()
    {
        // keepalived garp_lower_prio_repeat: after RFC 9568 §6.4.3's immediate advert, re-announce the addresses.
        var (machine, actions) = InMaster(Rfc() with { AnnounceOnLowerPriorityRepeat = 3 });

        machine.AdvertisementReceived(50, 100, s_greater);

        Assert.Equal(["send 100", "announce 3"], actions.Calls);
    }

    [Fact]
    public void Master_with_garp_lower_prio_repeat_and_lower_prio_no_advert_only_announces()
    {
        var (machine, actions) = InMaster(Rfc() with { AnnounceOnLowerPriorityRepeat = 3, AdvertiseOnLowerPriority = false });

        machine.AdvertisementReceived(50, 100, s_greater);

        Assert.Equal(["announce 3"], actions.Calls);
    }

    [Fact]
    public void Master_with_garp_lower_prio_delay_arms_a_second_set_that_announces_again_when_it_fires()
    {
        // keepalived garp_lower_prio_delay: "delay for second set of gratuitous ARPs after lower priority advert received
        // when MASTER". Each lower priority heard re-arms it, so the second set follows the last one heard.
        var (machine, actions) = InMaster(Rfc() with { AnnounceOnLowerPriorityRepeat = 3, AnnounceOnLowerPriorityDelay = TimeSpan.FromSeconds(5) });

        machine.AdvertisementReceived(50, 100, s_greater);
        Assert.Equal(["send 100", "announce 3", "arm AnnounceLowerPriorityDelay 00:00:05"], actions.Calls);

        actions.Clear();
        machine.TimerFired(VrrpTimer.AnnounceLowerPriorityDelay);
        Assert.Equal(["announce 3"], actions.Calls);
    }

    [Fact]
    public void Master_with_garp_lower_prio_delay_but_no_repeat_arms_nothing()
    {
        // keepalived arms the second set only when garp_lower_prio_repeat is set.
        var (machine, actions) = InMaster(Rfc() with { AnnounceOnLowerPriorityRepeat = 0, AnnounceOnLowerPriorityDelay = TimeSpan.FromSeconds(5) });

        machine.AdvertisementReceived(50, 100, s_greater);

        Assert.Equal(["send 100"], actions.Calls);
    }

    [Fact]
    public void Backup_ignores_the_second_set_timer_of_the_master_it_was()
    {
        // A yielded master's late timer announces nothing: LeaveMaster cancelled it, and a stray firing is ignored.
        var (machine, actions) = InMaster(Rfc() with { AnnounceOnLowerPriorityRepeat = 3, AnnounceOnLowerPriorityDelay = TimeSpan.FromSeconds(5) });
        machine.AdvertisementReceived(50, 100, s_greater);
        machine.AdvertisementReceived(150, 100, s_greater);
        Assert.Contains("cancel AnnounceLowerPriorityDelay", actions.Calls);

        actions.Clear();
        machine.TimerFired(VrrpTimer.AnnounceLowerPriorityDelay);
        Assert.Empty(actions.Calls);
    }

    [Fact]
    public void Master_answers_a_conflicting_announcement_one_advertisement_interval_later_with_a_full_burst()
    {
        // Another MAC announced our address (a router that took over and yielded, its ARPs after ours). The answer
        // waits one Advertisement_Interval, time for that router to hear us and yield, then announces as on becoming
        // master (garp_master_repeat, 5 by default). More conflicts before it fires are folded into it.
        var (machine, actions) = EstablishedMaster(Rfc() with { AnswerConflictingAnnouncements = true });

        machine.ConflictingAnnouncement();
        machine.ConflictingAnnouncement();
        Assert.Equal(["arm ConflictAnswer 00:00:01"], actions.Calls);

        actions.Clear();
        machine.TimerFired(VrrpTimer.ConflictAnswer);
        Assert.Equal(["announce 5", "arm ConflictAnswer 00:00:02"], actions.Calls); // the exchange stays open two intervals
    }

    [Fact]
    public void Master_answers_three_times_in_one_exchange_then_lets_it_end_and_answers_the_next()
    {
        // Two masters of a split brain (VRRP cut, ARP flowing) would answer each other for ever: conflicts within two
        // intervals of an answer are one exchange, answered three times, then left; two quiet intervals end it, and
        // a later conflict (a backup taking over again) starts a new exchange.
        var (machine, actions) = EstablishedMaster(Rfc() with { AnswerConflictingAnnouncements = true });
        for (int i = 0; i < VrrpStateMachine.ConflictAnswersPerExchange; i++)
        {
            machine.ConflictingAnnouncement();
            machine.TimerFired(VrrpTimer.ConflictAnswer);
        }

        actions.Clear();
        machine.ConflictingAnnouncement();
        Assert.Empty(actions.Calls);

        machine.TimerFired(VrrpTimer.ConflictAnswer); // two intervals without an answer: the exchange is over
        machine.ConflictingAnnouncement();
        Assert.Equal(["arm ConflictAnswer 00:00:01"], actions.Calls);
    }

    [Fact]
    public void Master_hearing_a_lower_priority_may_answer_again_in_the_same_exchange()
    {
        var (machine, actions) = EstablishedMaster(Rfc() with { AnswerConflictingAnnouncements = true });
        for (int i = 0; i < VrrpStateMachine.ConflictAnswersPerExchange; i++)
        {
            machine.ConflictingAnnouncement();
            machine.TimerFired(VrrpTimer.ConflictAnswer);
        }

        machine.AdvertisementReceived(50, 100, s_greater);
        actions.Clear();
        machine.ConflictingAnnouncement();
        Assert.Equal(["arm ConflictAnswer 00:00:01"], actions.Calls);
    }

    [Fact]
    public void Backup_and_a_master_with_answers_off_ignore_conflicting_announcements()
    {
        var (backup, backupActions) = InBackup(Rfc() with { AnswerConflictingAnnouncements = true });
        backup.ConflictingAnnouncement();
        backup.TimerFired(VrrpTimer.ConflictAnswer);
        Assert.Empty(backupActions.Calls);

        var (master, masterActions) = EstablishedMaster(Rfc() with { AnswerConflictingAnnouncements = false });
        master.ConflictingAnnouncement();
        Assert.Empty(masterActions.Calls);
    }

    [Fact]
    public void A_new_master_answers_no_conflict_until_it_has_a_claim()
    {
        // A backup that took over because it could not hear the master sees that master's announcements while it is
        // new: it does not answer them. It answers once it has heard a lower priority (the router it beat), or has
        // advertised DownTimerAdverts times (it has been master for Master_Down_Interval).
        var (young, youngActions) = InMaster(Rfc() with { AnswerConflictingAnnouncements = true });
        young.TimerFired(VrrpTimer.Advertisement);
        young.TimerFired(VrrpTimer.Advertisement);
        youngActions.Clear();
        young.ConflictingAnnouncement();
        Assert.Empty(youngActions.Calls);

        var (machine, actions) = InMaster(Rfc() with { AnswerConflictingAnnouncements = true });
        for (int i = 0; i < 3; i++)
        {
            machine.TimerFired(VrrpTimer.Advertisement);
        }

        actions.Clear();
        machine.ConflictingAnnouncement();
        Assert.Equal(["arm ConflictAnswer 00:00:01"], actions.Calls);

        // A conflict seen while new marks the term: the master there before us, that we cannot hear. Older, we still
        // do not answer it (it would answer back: the lossy backup of the namespace fault run, seed 8, had the last word).
        var (contested, contestedActions) = InMaster(Rfc() with { AnswerConflictingAnnouncements = true });
        contested.ConflictingAnnouncement();
        for (int i = 0; i < 10; i++)
        {
            contested.TimerFired(VrrpTimer.Advertisement);
        }

        contestedActions.Clear();
        contested.ConflictingAnnouncement();
        Assert.Empty(contestedActions.Calls);

        var (heard, heardActions) = InMaster(Rfc() with { AnswerConflictingAnnouncements = true });
        heard.AdvertisementReceived(50, 100, s_greater);
        heardActions.Clear();
        heard.ConflictingAnnouncement();
        Assert.Equal(["arm ConflictAnswer 00:00:01"], heardActions.Calls);
    }

    [Fact]
    public void Becoming_master_with_announce_delay_and_refresh_arms_both_after_the_adver_timer()
    {
        // keepalived garp_master_delay (default 5 s) and garp_master_refresh.
        var (machine, actions) = InBackup(Rfc() with { AnnounceDelay = TimeSpan.FromSeconds(5), AnnounceRefresh = TimeSpan.FromMinutes(1) });

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Equal(
            [
                "cancel MasterDown",
                "cancel PreemptDelay",
                "send 100",
                "add",
                "announce 5",
                "arm Advertisement 00:00:01",
                "arm AnnounceDelay 00:00:05",
                "arm AnnounceRefresh 00:01:00",
                "state Backup->Master NoResponse",
            ],
            actions.Calls);
    }

    [Fact]
    public void Default_settings_arm_keepalived_s_five_second_announce_delay()
    {
        // keepalived's garp_master_delay defaults to 5 s; the settings record carries the same default.
        var settings = new StateMachineSettings { Version = VrrpVersion.V3, AdvertisementIntervalCentiseconds = 100, PrimaryAddress = s_self };
        var (machine, actions) = InBackup(settings);

        machine.TimerFired(VrrpTimer.MasterDown);

        Assert.Contains("arm AnnounceDelay 00:00:05", actions.Calls);
        Assert.DoesNotContain(actions.Calls, call => call.StartsWith("arm AnnounceRefresh", StringComparison.Ordinal));
    }

    [Fact]
    public void Master_whose_announce_delay_fires_announces_again()
    {
        // keepalived garp_master_delay: a second burst of garp_master_repeat announcements.
        var (machine, actions) = InMaster(Rfc() with { AnnounceDelay = TimeSpan.FromSeconds(5), AnnounceRepeat = 4 });

        machine.TimerFired(VrrpTimer.AnnounceDelay);

        Assert.Equal(["announce 4"], actions.Calls);
    }

    [Fact]
    public void Master_whose_announce_refresh_fires_announces_and_rearms_it()
    {
        // keepalived garp_master_refresh / garp_master_refresh_repeat.
        var (machine, actions) = InMaster(Rfc() with { AnnounceRefresh = TimeSpan.FromMinutes(1), AnnounceRefreshRepeat = 2 });

        machine.TimerFired(VrrpTimer.AnnounceRefresh);

        Assert.Equal(["announce 2", "arm AnnounceRefresh 00:01:00"], actions.Calls);
    }

    [Fact]
    public void Backup_ignores_announce_timers_that_outlived_the_master_state()
    {
        var (machine, actions) = InBackup(Rfc() with { AnnounceDelay = TimeSpan.FromSeconds(5), AnnounceRefresh = TimeSpan.FromMinutes(1) });

        machine.TimerFired(VrrpTimer.AnnounceDelay);
        machine.TimerFired(VrrpTimer.AnnounceRefresh);

        Assert.Empty(actions.Calls);
    }

    [Fact]
    public void Startup_with_a_startup_delay_only_arms_the_delay_and_stays_in_initialize()
    {
        // keepalived vrrp_startup_delay: the RFC 9568 §6.4.1 Startup event is taken when the delay runs out.
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc() with { StartupDelay = TimeSpan.FromSeconds(30) }, LocalPriority, actions);

        machine.Startup();
        machine.Startup(); // a second Startup while waiting changes nothing

        Assert.Equal(["arm StartupDelay 00:00:30"], actions.Calls);
        Assert.Equal(VrrpState.Initialize, machine.State);
    }

    [Fact]
    public void Startup_delay_firing_takes_the_startup_event_of_a_non_owner()
    {
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc() with { StartupDelay = TimeSpan.FromSeconds(30) }, LocalPriority, actions);
        machine.Startup();
        actions.Clear();

        machine.TimerFired(VrrpTimer.StartupDelay);

        Assert.Equal(["arm MasterDown 00:00:03.6093750", "state Initialize->Backup Startup"], actions.Calls);
    }

    [Fact]
    public void Startup_delay_firing_takes_the_startup_event_of_the_owner()
    {
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc() with { StartupDelay = TimeSpan.FromSeconds(30) }, 255, actions);
        machine.Startup();
        actions.Clear();

        machine.TimerFired(VrrpTimer.StartupDelay);

        Assert.Equal("state Initialize->Master Owner", actions.Calls[^1]);
        Assert.Contains("send 255", actions.Calls);
    }

    [Fact]
    public void Master_whose_interface_goes_down_enters_fault_without_sending_priority_zero()
    {
        // keepalived interface tracking: over a dead link a priority-0 advert cannot leave; addresses go, timers stop.
        var (machine, actions) = InMaster();

        machine.SetInterfaceUp(false);

        Assert.Equal([.. s_cancelAll, "remove", "state Master->Fault InterfaceDown"], actions.Calls);
        Assert.Equal(VrrpState.Fault, machine.State);
    }

    [Fact]
    public void Master_whose_weight_zero_check_fails_sends_priority_zero_and_enters_fault()
    {
        // keepalived track_script weight 0: the link still works, so release quickly with priority 0 (the RFC 9568
        // §6.4.2 Skew_Time path on the backups).
        var (machine, actions) = InMaster();

        machine.SetCheckFault(true);

        Assert.Equal([.. s_cancelAll, "send 0", "remove", "state Master->Fault CheckFailed"], actions.Calls);
        Assert.Equal(VrrpState.Fault, machine.State);
    }

    [Fact]
    public void Backup_whose_interface_goes_down_cancels_its_timers_and_enters_fault()
    {
        var (machine, actions) = InBackup();

        machine.SetInterfaceUp(false);

        Assert.Equal([.. s_cancelAll, "state Backup->Fault InterfaceDown"], actions.Calls);
    }

    [Fact]
    public void Fault_takes_no_advertisement_and_no_timer()
    {
        var (machine, actions) = InBackup();
        machine.SetInterfaceUp(false);
        actions.Clear();

        machine.AdvertisementReceived(0, 100, s_greater);
        machine.AdvertisementReceived(200, 100, s_greater);
        machine.TimerFired(VrrpTimer.MasterDown);
        machine.TimerFired(VrrpTimer.Advertisement);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Fault, machine.State);
    }

    [Fact]
    public void Non_owner_leaving_fault_waits_as_backup_with_a_fresh_down_timer()
    {
        // Leaving Fault is a new start: RFC 9568 §6.4.1's non-owner branch with the interval reset to our own.
        var (machine, actions) = InBackup(Rfc(VrrpVersion.V3, 100));
        machine.AdvertisementReceived(150, 300, s_greater); // learned 3 s
        machine.SetInterfaceUp(false);
        actions.Clear();

        machine.SetInterfaceUp(true);

        Assert.Equal(["arm MasterDown 00:00:03.6093750", "state Fault->Backup InterfaceUp"], actions.Calls);
        Assert.Equal(100, machine.MasterAdverIntervalCentiseconds);
    }

    [Fact]
    public void Non_owner_leaving_fault_restarts_its_preempt_delay()
    {
        var (machine, actions) = InBackup(Rfc() with { PreemptDelay = TimeSpan.FromSeconds(10) });
        machine.SetCheckFault(true);
        actions.Clear();

        machine.SetCheckFault(false);

        Assert.Equal(
            ["arm PreemptDelay 00:00:10", "arm MasterDown 00:00:03.6093750", "state Fault->Backup CheckRecovered"],
            actions.Calls);
    }

    [Fact]
    public void Owner_leaving_fault_becomes_master_at_once()
    {
        // Leaving Fault is a new start: RFC 9568 §6.4.1's owner branch.
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc(), 255, actions);
        machine.Startup();
        machine.SetInterfaceUp(false);
        actions.Clear();

        machine.SetInterfaceUp(true);

        Assert.Equal(
            [
                "cancel MasterDown",
                "cancel PreemptDelay",
                "send 255",
                "add",
                "announce 5",
                "arm Advertisement 00:00:01",
                "state Fault->Master InterfaceUp",
            ],
            actions.Calls);
    }

    [Fact]
    public void Fault_is_left_only_when_every_fault_reason_has_cleared()
    {
        var (machine, actions) = InBackup();
        machine.SetInterfaceUp(false);
        machine.SetCheckFault(true);
        actions.Clear();

        machine.SetInterfaceUp(true);

        Assert.Empty(actions.Calls);
        Assert.Equal(VrrpState.Fault, machine.State);

        machine.SetCheckFault(false);

        Assert.Equal(["arm MasterDown 00:00:03.6093750", "state Fault->Backup CheckRecovered"], actions.Calls);
    }

    [Fact]
    public void Startup_with_the_interface_down_goes_straight_to_fault()
    {
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(Rfc(), LocalPriority, actions);
        machine.SetInterfaceUp(false);

        machine.Startup();

        Assert.Equal(["state Initialize->Fault InterfaceDown"], actions.Calls);
    }

    [Fact]
    public void Fault_receiving_shutdown_returns_to_initialize()
    {
        var (machine, actions) = InBackup();
        machine.SetInterfaceUp(false);
        actions.Clear();

        machine.Shutdown();

        Assert.Equal([.. s_cancelAll, "state Fault->Initialize Shutdown"], actions.Calls);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>RFC behaviour only: keepalived's garp_master_delay off, everything else at its default.</summary>
    private static StateMachineSettings Rfc(VrrpVersion version = VrrpVersion.V3, int intervalCentiseconds = 100) => new()
    {
        Version = version,
        AdvertisementIntervalCentiseconds = intervalCentiseconds,
        PrimaryAddress = s_self,
        AnnounceDelay = TimeSpan.Zero,
    };

    private static (VrrpStateMachine Machine, RecordingActions Actions) InBackup(StateMachineSettings? settings = null)
    {
        var actions = new RecordingActions();
        var machine = new VrrpStateMachine(settings ?? Rfc(), LocalPriority, actions);
        machine.Startup();
        Assert.Equal(VrrpState.Backup, machine.State);
        actions.Clear();
        return (machine, actions);
    }

    /// <summary>A master that has advertised DownTimerAdverts times, so it may answer conflicting announcements.</summary>
    private static (VrrpStateMachine Machine, RecordingActions Actions) EstablishedMaster(StateMachineSettings settings)
    {
        var (machine, actions) = InMaster(settings);
        for (int i = 0; i < settings.DownTimerAdverts; i++)
        {
            machine.TimerFired(VrrpTimer.Advertisement);
        }

        actions.Clear();
        return (machine, actions);
    }

    private static (VrrpStateMachine Machine, RecordingActions Actions) InMaster(StateMachineSettings? settings = null)
    {
        var (machine, actions) = InBackup(settings);
        machine.TimerFired(VrrpTimer.MasterDown);
        Assert.Equal(VrrpState.Master, machine.State);
        actions.Clear();
        return (machine, actions);
    }
}
