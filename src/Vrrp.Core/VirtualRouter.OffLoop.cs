using Vrrp.Addressing;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp;

public sealed partial class VirtualRouter
{
    // At most this many actions wait; past it, state-change notifications are dropped (and counted) rather than
    // held without bound. Address changes and announcements are never dropped: a transition makes at most a few.
    private const int ActionQueueLimit = 1024;

    private static readonly TimerCallback s_onActionFaultHoldEnded = static state => ((VirtualRouter)state!).OnActionFaultHoldEnded();

    private ActionLane? _lane; // made at the router's first action: a router that never changes state has none
    private ITimer? _actionFaultTimer;

    /// <summary>
    /// Gets how long a router stays in Fault after its address manager or announcer threw: then it leaves Fault as
    /// after startup and, if it becomes master again, tries again. One second.
    /// </summary>
    public static TimeSpan ActionFaultHold { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the number of actions waiting to run off the protocol loop (address changes, announcements, notifications).</summary>
    internal int PendingActions => _lane?.Pending ?? 0;

    // A seam failed on the action lane: observers (the logger) hear of it, off the loop.
    internal event Action<VirtualRouter, string, Exception>? ActionFailed;

    private ActionLane Lane => _lane ??= new ActionLane(this); // under _gate

    // Every event takes the router's lock through this: when the outermost hold ends, the actions the event queued
    // are handed to the runner. Not before: an inline runner would otherwise run them (and a seam's failure would
    // re-enter the state machine) in the middle of the transition that asked for them.
    private EventScope EnterEvent()
    {
        Monitor.Enter(_gate);
        return new EventScope(this);
    }

    private void QueueAddressChange(bool add, VirtualAddress[] addresses) =>
        Lane.Enqueue(new PendingAction(add ? ActionKind.AddAddresses : ActionKind.RemoveAddresses, addresses, 0, default));

    private void QueueAnnouncement(int repeat) => Lane.Enqueue(new PendingAction(ActionKind.Announce, null, repeat, default));

    private void QueueStateChanged(in StateChange change) => Lane.Enqueue(new PendingAction(ActionKind.StateChanged, null, 0, change));

    private void NotifyDiscarded(VrrpPacketStatus status) => Lane.PostDiscard(status);

    private void NotifySendFailed() => Lane.PostSendFailed();

    // Stop and Dispose return once the addresses are off the interface, as they always did; a handler that never
    // returns holds them up for at most this long. Not when called from the lane itself (a handler that stops its
    // router), which would wait for itself.
    private void WaitForActions() => _lane?.WaitIdle(TimeSpan.FromSeconds(5));

    private void RunAction(in PendingAction action)
    {
        switch (action.Kind)
        {
            case ActionKind.AddAddresses:
                _profile.AddressManager.AddAddresses(this, action.Addresses!);
                break;
            case ActionKind.RemoveAddresses:
                _profile.AddressManager.RemoveAddresses(this, action.Addresses!);
                break;
            case ActionKind.Announce:
                _profile.Announcer.Announce(this, action.Repeat);
                break;
            case ActionKind.StateChanged:
                try
                {
                    _profile.Notifier?.OnStateChanged(this, action.Change);
                    StateChanged?.Invoke(this, action.Change);
                }
#pragma warning disable CA1031 // a listener's failure is counted and reported; it never fails the router
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    Statistics.OnNotifierFailed();
                    ReportActionFailure("state-change handler", exception);
                }

                break;
        }
    }

    private void RunDiscardNotifications(uint statuses, bool sendFailed)
    {
        try
        {
            for (int status = 0; statuses != 0; status++, statuses >>= 1)
            {
                if ((statuses & 1) != 0)
                {
                    _profile.Notifier?.OnPacketDiscarded(this, (VrrpPacketStatus)status);
                    PacketDiscarded?.Invoke(this, (VrrpPacketStatus)status);
                }
            }

            if (sendFailed)
            {
                _profile.Notifier?.OnSendFailed(this);
                SendFailed?.Invoke(this);
            }
        }
#pragma warning disable CA1031 // as above
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Statistics.OnNotifierFailed();
            ReportActionFailure("discard notifier", exception);
        }
    }

    // The address manager or the announcer threw: a master that cannot hold or announce its addresses must not stay
    // master, so the router enters Fault (a master sends priority 0 and hands over) and tries again after the hold.
    private void OnActionFailed(in PendingAction action, Exception exception)
    {
        Statistics.OnActionFailed();
        ReportActionFailure(action.Kind == ActionKind.Announce ? "announcer" : "address manager", exception);
        using (EnterEvent())
        {
            if (!_running || action.Kind == ActionKind.RemoveAddresses && _machine.State != VrrpState.Master)
            {
                // Taking the addresses off failed on the way out of Master: count it, but Fault would change nothing.
                return;
            }

            bool hadOwnFault = _machine.HasOwnFault;
            _machine.SetActionFault(true);
            if (hadOwnFault != _machine.HasOwnFault)
            {
                SyncGroup?.MemberFaultChanged();
            }

            _actionFaultTimer ??= _profile.Time.CreateTimer(s_onActionFaultHoldEnded, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _actionFaultTimer.Change(ActionFaultHold, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnActionFaultHoldEnded()
    {
        using (EnterEvent())
        {
            // Cleared even when stopped: a router started again later must not start in a Fault nothing will end.
            bool hadOwnFault = _machine.HasOwnFault;
            _machine.SetActionFault(false);
            if (hadOwnFault != _machine.HasOwnFault)
            {
                SyncGroup?.MemberFaultChanged();
            }
        }
    }

    private void ReportActionFailure(string seam, Exception exception)
    {
        try
        {
            _profile.Notifier?.OnActionFailed(this, seam, exception);
            ActionFailed?.Invoke(this, seam, exception);
        }
#pragma warning disable CA1031 // an observer of failures that fails too is counted once, above, and left
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private readonly ref struct EventScope(VirtualRouter router)
    {
        public void Dispose()
        {
            Monitor.Exit(router._gate);
            if (!Monitor.IsEntered(router._gate))
            {
                router._lane?.RunIfQueued();
            }
        }
    }

    private enum ActionKind : byte
    {
        AddAddresses,
        RemoveAddresses,
        Announce,
        StateChanged,
    }

    private readonly record struct PendingAction(ActionKind Kind, VirtualAddress[]? Addresses, int Repeat, StateChange Change);

    /// <summary>
    /// A router's actions that run off its protocol loop, in the order the loop asked for them, one at a time. The
    /// loop only enqueues (a lock held for a copy, no allocation once the queue has grown); the work item runs on the
    /// router's <see cref="VrrpActionRunner"/> until the queue is empty.
    /// </summary>
    private sealed class ActionLane(VirtualRouter router) : IThreadPoolWorkItem
    {
        private readonly Queue<PendingAction> _queue = new(4);
        private uint _discards; // one bit per VrrpPacketStatus heard since the lane last ran: discards are coalesced
        private bool _sendFailed;
        private bool _scheduled; // queued work exists and is (or is about to be) handed to the runner, or running
        private bool _handOver; // scheduled, but not handed to the runner yet: the event that queued it still runs
        private Thread? _runningOn;

        public int Pending
        {
            get
            {
                lock (_queue)
                {
                    return _queue.Count + (_scheduled ? 1 : 0);
                }
            }
        }

        public void Enqueue(in PendingAction action)
        {
            lock (_queue)
            {
                if (_queue.Count >= ActionQueueLimit && action.Kind == ActionKind.StateChanged)
                {
                    router.Statistics.OnNotificationDropped();
                    return;
                }

                _queue.Enqueue(action);
                if (!Schedule())
                {
                    return;
                }
            }

            HandOverUnlessInEvent();
        }

        public void PostDiscard(VrrpPacketStatus status)
        {
            lock (_queue)
            {
                _discards |= 1u << ((int)status & 31);
                if (!Schedule())
                {
                    return;
                }
            }

            HandOverUnlessInEvent();
        }

        public void PostSendFailed()
        {
            lock (_queue)
            {
                _sendFailed = true;
                if (!Schedule())
                {
                    return;
                }
            }

            HandOverUnlessInEvent();
        }

        // After the outermost event that queued work released the router's lock.
        public void RunIfQueued()
        {
            lock (_queue)
            {
                if (!_handOver)
                {
                    return;
                }

                _handOver = false;
            }

            try
            {
                router._profile.Runner.Run(this);
            }
#pragma warning disable CA1031 // a runner of the user's that throws must not leave the lane scheduled and dead
            catch (Exception)
#pragma warning restore CA1031
            {
                lock (_queue)
                {
                    _handOver = true; // still scheduled: the next event that ends hands the lane over again
                }
            }
        }

        // Under _queue: whether this call made the lane scheduled (and so must hand it over).
        private bool Schedule()
        {
            if (_scheduled)
            {
                return false;
            }

            _scheduled = true;
            _handOver = true;
            return true;
        }

        private void HandOverUnlessInEvent()
        {
            if (!Monitor.IsEntered(router._gate))
            {
                RunIfQueued();
            }
        }

        public void WaitIdle(TimeSpan timeout)
        {
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            lock (_queue)
            {
                while (_scheduled && _runningOn != Thread.CurrentThread)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0 || !Monitor.Wait(_queue, (int)left))
                    {
                        return;
                    }
                }
            }
        }

        // One Execute at a time per lane: it is handed to the runner only when _scheduled turns true, and _scheduled
        // turns false only here, when the queue is empty, in the same lock that clears _runningOn.
        public void Execute()
        {
            lock (_queue)
            {
                _runningOn = Thread.CurrentThread;
            }

            while (true)
            {
                PendingAction action = default;
                uint discards;
                bool sendFailed;
                bool hasAction;
                lock (_queue)
                {
                    hasAction = _queue.TryDequeue(out action);
                    (discards, _discards) = (_discards, 0);
                    (sendFailed, _sendFailed) = (_sendFailed, false);
                    if (!hasAction && discards == 0 && !sendFailed)
                    {
                        _scheduled = false;
                        _runningOn = null;
                        Monitor.PulseAll(_queue);
                        return;
                    }
                }

                if (hasAction)
                {
                    try
                    {
                        router.RunAction(action);
                    }
#pragma warning disable CA1031 // a seam's failure is counted, reported, and puts the router in Fault: never a dead lane
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        router.OnActionFailed(action, exception);
                    }
                }

                // After the action taken with them: a discard is never told before a change that came first.
                if (discards != 0 || sendFailed)
                {
                    router.RunDiscardNotifications(discards, sendFailed);
                }
            }
        }
    }
}
