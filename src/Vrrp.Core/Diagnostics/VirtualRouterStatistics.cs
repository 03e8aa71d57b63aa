using Vrrp.Packets;

namespace Vrrp.Diagnostics;

/// <summary>Counters of one virtual router, named after RFC 8347's statistics. Read them from any thread.</summary>
public sealed class VirtualRouterStatistics
{
    private static readonly int s_reasons = Enum.GetValues<VrrpPacketStatus>().Length;

    // Made at the first discard: most routers never discard anything, and hundreds of them would each carry it.
    private long[]? _discarded;
    private long _advertisementsReceived;
    private long _advertisementsSent;
    private long _sendFailures;
    private long _masterTransitions;
    private long _releasedMaster;
    private long _priorityZeroReceived;
    private long _priorityZeroSent;
    private long _messageOnlyChecksums;
    private long _pseudoHeaderChecksums;
    private long _conflictingAnnouncements;
    private long _actionFailures;
    private long _notifierFailures;
    private long _notificationsDropped;
    private long _lowerPriorityAnswersWithheld;

    /// <summary>Gets the advertisements accepted (RFC 8347 advertisement-rcvd).</summary>
    public long AdvertisementsReceived => Interlocked.Read(ref _advertisementsReceived);

    /// <summary>Gets the advertisements sent (RFC 8347 advertisement-sent).</summary>
    public long AdvertisementsSent => Interlocked.Read(ref _advertisementsSent);

    /// <summary>Gets the advertisements the transport could not send.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Gets how many times the router became master (RFC 8347 master-transitions).</summary>
    public long MasterTransitions => Interlocked.Read(ref _masterTransitions);

    /// <summary>Gets how many times the router left the master state.</summary>
    public long ReleasedMaster => Interlocked.Read(ref _releasedMaster);

    /// <summary>Gets the priority-0 advertisements received (RFC 8347 priority-zero-pkts-rcvd).</summary>
    public long PriorityZeroReceived => Interlocked.Read(ref _priorityZeroReceived);

    /// <summary>Gets the priority-0 advertisements sent (RFC 8347 priority-zero-pkts-sent).</summary>
    public long PriorityZeroSent => Interlocked.Read(ref _priorityZeroSent);

    /// <summary>Gets the accepted VRRPv3 IPv4 advertisements whose checksum was over the message alone (RFC 9568 form).</summary>
    public long MessageOnlyChecksums => Interlocked.Read(ref _messageOnlyChecksums);

    /// <summary>Gets the accepted VRRPv3 advertisements whose checksum included the pseudo-header (keepalived's form).</summary>
    public long PseudoHeaderChecksums => Interlocked.Read(ref _pseudoHeaderChecksums);

    /// <summary>Gets the announcements of this router's addresses from another MAC seen while master (see <see cref="VirtualRouterOptions.AnswerConflictingAnnouncements"/>).</summary>
    public long ConflictingAnnouncements => Interlocked.Read(ref _conflictingAnnouncements);

    /// <summary>Gets how many times the address manager or the announcer threw (each put the router in Fault for a while).</summary>
    public long ActionFailures => Interlocked.Read(ref _actionFailures);

    /// <summary>Gets how many times a notifier or a <see cref="VirtualRouter.StateChanged"/> handler threw.</summary>
    public long NotifierFailures => Interlocked.Read(ref _notifierFailures);

    /// <summary>
    /// Gets how many states a router's listeners were never told: once 1,024 actions wait for a stuck seam or handler,
    /// further changes are coalesced into the latest (listeners still end up told the router's state, each change
    /// continuing from the last one they heard), and each state skipped over is counted here.
    /// </summary>
    public long NotificationsDropped => Interlocked.Read(ref _notificationsDropped);

    /// <summary>
    /// Gets how many lower-priority adverts a master heard in an Advertisement_Interval in which it had already
    /// answered one (RFC 9568 §6.4.3's immediate advert, and keepalived's <c>garp_lower_prio_repeat</c>): counted, not
    /// answered, so that a flood of them, forged or not, draws at most one answer per interval.
    /// </summary>
    public long LowerPriorityAnswersWithheld => Interlocked.Read(ref _lowerPriorityAnswersWithheld);

    /// <summary>Gets the packets discarded for <paramref name="reason"/>.</summary>
    /// <param name="reason">Any value but <see cref="VrrpPacketStatus.Valid"/>.</param>
    /// <returns>The count.</returns>
    public long Discarded(VrrpPacketStatus reason) =>
        Volatile.Read(ref _discarded) is { } discarded && (uint)reason < (uint)discarded.Length ? Interlocked.Read(ref discarded[(int)reason]) : 0;

    /// <summary>Gets every packet discarded, whatever the reason.</summary>
    public long TotalDiscarded
    {
        get
        {
            long total = 0;
            long[] discarded = Volatile.Read(ref _discarded) ?? [];
            for (int i = 1; i < discarded.Length; i++)
            {
                total += Interlocked.Read(ref discarded[i]);
            }

            return total;
        }
    }

    internal void OnDiscarded(VrrpPacketStatus reason)
    {
        long[] discarded = Volatile.Read(ref _discarded)
            ?? Interlocked.CompareExchange(ref _discarded, new long[s_reasons], null)
            ?? _discarded!;
        Interlocked.Increment(ref discarded[(int)reason]);
    }

    internal void OnReceived(byte priority, VrrpChecksumForm form, bool v3IPv4)
    {
        Interlocked.Increment(ref _advertisementsReceived);
        if (priority == 0)
        {
            Interlocked.Increment(ref _priorityZeroReceived);
        }

        if (v3IPv4)
        {
            Interlocked.Increment(ref form == VrrpChecksumForm.MessageOnly ? ref _messageOnlyChecksums : ref _pseudoHeaderChecksums);
        }
    }

    internal void OnSent(byte priority, bool ok)
    {
        if (!ok)
        {
            Interlocked.Increment(ref _sendFailures);
            return;
        }

        Interlocked.Increment(ref _advertisementsSent);
        if (priority == 0)
        {
            Interlocked.Increment(ref _priorityZeroSent);
        }
    }

    internal void OnConflictingAnnouncement() => Interlocked.Increment(ref _conflictingAnnouncements);

    internal void OnActionFailed() => Interlocked.Increment(ref _actionFailures);

    internal void OnNotifierFailed() => Interlocked.Increment(ref _notifierFailures);

    internal void OnNotificationDropped() => Interlocked.Increment(ref _notificationsDropped);

    internal void OnLowerPriorityAnswerWithheld() => Interlocked.Increment(ref _lowerPriorityAnswersWithheld);

    internal void OnBecameMaster() => Interlocked.Increment(ref _masterTransitions);

    internal void OnReleasedMaster() => Interlocked.Increment(ref _releasedMaster);
}
