using Vrrp.Addressing;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Protocol;
using Vrrp.Routing;

namespace Vrrp;

public sealed partial class VirtualRouter
{
    // At most this many notifications wait for a stuck notifier or handler; past it they are dropped (and counted)
    // rather than held without bound. Address changes and announcements are never dropped: a transition makes a few.
    private const int NotificationQueueLimit = 1024;

    private static readonly TimerCallback s_onActionFaultHoldEnded = static state => ((VirtualRouter)state!).OnActionFaultHoldEnded();

    // Two lanes, each made at its first use (a router that never changes state has none): the seams' (addresses,
    // announcements) and the listeners' (notifier, StateChanged handlers, failure reports). A listener stuck on a
    // blocked log holds up only later notifications, never an address change; a change is told only after the
    // address work that came before it.
    private ActionLane? _lane;
    private NotificationLane? _notifications;
    private ITimer? _actionFaultTimer;

    /// <summary>
    /// Gets how long a router stays in Fault after its address manager or announcer threw: then it leaves Fault as
    /// after startup and, if it becomes master again, tries again. One second.
    /// </summary>
    public static TimeSpan ActionFaultHold { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the number of actions waiting to run off the protocol loop (address changes, announcements, notifications).</summary>
    internal int PendingActions => (_lane?.Pending ?? 0) + (_notifications?.Pending ?? 0);

    // A seam failed on the action lane: observers (the logger) hear of it, off the loop.
    internal event Action<VirtualRouter, string, Exception>? ActionFailed;

    private ActionLane Actions => _lane ??= new ActionLane(this); // under _gate

    private NotificationLane Notifications
    {
        get
        {
            NotificationLane? lane = Volatile.Read(ref _notifications);
            return lane ?? Interlocked.CompareExchange(ref _notifications, new NotificationLane(this), null) ?? _notifications!;
        }
    }

    // Every event takes the router's lock through this: when the outermost hold ends, the actions the event queued
    // are handed to the runner. Not before: an inline runner would otherwise run them (and a seam's failure would
    // re-enter the state machine) in the middle of the transition that asked for them.
    private EventScope EnterEvent()
    {
        Monitor.Enter(_gate);
        return new EventScope(this);
    }

    private void QueueAddressChange(bool add, VirtualAddress[] addresses) =>
        Actions.Enqueue(new PendingAction(add ? ActionKind.AddAddresses : ActionKind.RemoveAddresses, addresses, 0, default));

    private void QueueAnnouncement(int repeat) => Actions.Enqueue(new PendingAction(ActionKind.Announce, null, repeat, default));

    private void QueueStateChanged(in StateChange change) => Actions.Enqueue(new PendingAction(ActionKind.StateChanged, null, 0, change));

    private void NotifyDiscarded(VrrpPacketStatus status) => Notifications.PostDiscard(status);

    private void NotifySendFailed() => Notifications.PostSendFailed();

    // Stop and Dispose return once the addresses are off the interface and the change is told, as they always did;
    // a seam or handler that never returns holds them up for at most this long. Not when called from a lane itself
    // (a handler that stops its router), which would wait for itself.
    private void WaitForActions()
    {
        long deadline = Environment.TickCount64 + 5000;
        _lane?.WaitIdle(deadline);
        _notifications?.WaitIdle(deadline);
    }

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
            case ActionKind.AddRoutes:
                ((IVirtualRouteManager)_profile.AddressManager).AddRoutes(this);
                break;
            case ActionKind.RemoveRoutes:
                ((IVirtualRouteManager)_profile.AddressManager).RemoveRoutes(this);
                break;
            case ActionKind.Announce:
                _profile.Announcer.Announce(this, action.Repeat);
                break;
            case ActionKind.AnnounceOtherInterfaces:
                _profile.Announcer.AnnounceOnTheirInterfaces(this, action.Addresses!);
                break;
            case ActionKind.StateChanged:
                Notifications.Enqueue(new Notification(NotificationKind.StateChanged, action.Change)); // after the address work before it
                break;
        }
    }

    private void RunNotification(in Notification notification)
    {
        if (notification.Kind == NotificationKind.Discarded)
        {
            RunDiscardNotifications(notification.Discards, notification.SendFailed);
            return;
        }

        if (notification is { Kind: NotificationKind.ActionFailed, Failure: { } failure })
        {
            try
            {
                _profile.Notifier?.OnActionFailed(this, notification.Seam!, failure);
                ActionFailed?.Invoke(this, notification.Seam!, failure);
            }
#pragma warning disable CA1031 // an observer of failures that fails too is counted once, when the failure was, and left
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            return;
        }

        try
        {
            if (notification.Kind == NotificationKind.LowerPriorityHeard)
            {
                StateChange heard = notification.Change;
                var advert = new LowerPriorityAdvert(heard.MasterAddress, heard.Priority, Priority, heard.Timestamp);
                _profile.Notifier?.OnLowerPriorityHeard(this, advert);
                LowerPriorityHeard?.Invoke(this, advert);
                return;
            }

            _profile.Notifier?.OnStateChanged(this, notification.Change);
            StateChanged?.Invoke(this, notification.Change);
        }
#pragma warning disable CA1031 // a listener's failure is counted and reported; it never fails the router
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Statistics.OnNotifierFailed();
            ReportActionFailure("state-change handler", exception);
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
        ReportActionFailure(action.Kind is ActionKind.Announce or ActionKind.AnnounceOtherInterfaces ? "announcer" : "address manager", exception);
        using (EnterEvent())
        {
            if (!_running || action.Kind is ActionKind.RemoveAddresses or ActionKind.RemoveRoutes && _machine.State != VrrpState.Master)
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

    // Told on the notification lane: the notifier is the user's code, and the seams' lane must not wait for it.
    private void ReportActionFailure(string seam, Exception exception) => Notifications.Enqueue(new Notification(NotificationKind.ActionFailed, Seam: seam, Failure: exception));

}
