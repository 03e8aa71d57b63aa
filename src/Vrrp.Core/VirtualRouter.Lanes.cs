using Vrrp.Addressing;
using Vrrp.Notifications;
using Vrrp.Packets;

namespace Vrrp;

public sealed partial class VirtualRouter
{
    private enum ActionKind : byte
    {
        AddAddresses,
        RemoveAddresses,
        AddRoutes,
        RemoveRoutes,
        Announce,
        AnnounceOtherInterfaces,
        StateChanged, // not run on the seams' lane: handed to the notification lane once the work before it is done
    }

    private readonly record struct PendingAction(ActionKind Kind, VirtualAddress[]? Addresses, int Repeat, StateChange Change);

    private enum NotificationKind : byte
    {
        StateChanged,
        ActionFailed,
        Discarded, // a run of coalesced discards and failed sends
        LowerPriorityHeard, // Change carries the other router's priority and address
    }

    private readonly record struct Notification(NotificationKind Kind, StateChange Change = default, string? Seam = null, Exception? Failure = null, uint Discards = 0, bool SendFailed = false);

    private readonly ref struct EventScope(VirtualRouter router)
    {
        public void Dispose()
        {
            Monitor.Exit(router._gate);
            if (!Monitor.IsEntered(router._gate))
            {
                router._lane?.RunIfQueued();
                router._notifications?.RunIfQueued();
            }
        }
    }

    /// <summary>
    /// Work of one router that runs off its protocol loop, in the order it was queued, one item at a time: the loop
    /// only queues (a lock held for a copy, no allocation once the queue has grown), and the lane runs on the
    /// router's <see cref="VrrpActionRunner"/> until it is empty.
    /// </summary>
    /// <remarks>
    /// Queued under the router's lock, a lane is handed to the runner when the outermost hold of that lock ends
    /// (<see cref="EventScope"/>): an inline runner must not run work in the middle of the transition that queued
    /// it. <c>_scheduled</c> is true from the hand-over until <see cref="Execute"/> finds the lane empty, so one
    /// <see cref="Execute"/> runs at a time; both it and <c>_runningOn</c> change only under <see cref="Gate"/>.
    /// </remarks>
    private abstract class Lane<TWork>(VirtualRouter router) : IThreadPoolWorkItem
    {
        private bool _scheduled;
        private bool _handOver; // scheduled, but not handed to the runner yet: the event that queued it still runs
        private Thread? _runningOn;

        public int Pending
        {
            get
            {
                lock (Gate)
                {
                    return CountLocked() + (_scheduled ? 1 : 0);
                }
            }
        }

        protected VirtualRouter Router => router;

        protected object Gate { get; } = new();

        // After the outermost event that queued work released the router's lock, or at once when none holds it.
        public void RunIfQueued()
        {
            lock (Gate)
            {
                if (!_handOver)
                {
                    return;
                }

                _handOver = false;
            }

            try
            {
                Runner.Run(this);
            }
#pragma warning disable CA1031 // a runner of the user's that throws must not leave the lane scheduled and dead
            catch (Exception)
#pragma warning restore CA1031
            {
                lock (Gate)
                {
                    _handOver = true; // still scheduled: the next event that ends hands the lane over again
                }
            }
        }

        public void WaitIdle(long deadline)
        {
            lock (Gate)
            {
                while (_scheduled && _runningOn != Thread.CurrentThread)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0 || !Monitor.Wait(Gate, (int)left))
                    {
                        return;
                    }
                }
            }
        }

        public void Execute()
        {
            lock (Gate)
            {
                _runningOn = Thread.CurrentThread;
            }

            while (true)
            {
                TWork work;
                lock (Gate)
                {
                    if (!TryTakeLocked(out work))
                    {
                        _scheduled = false;
                        _runningOn = null;
                        Monitor.PulseAll(Gate);
                        return;
                    }
                }

                Run(work);
            }
        }

        // Under Gate, after adding work: marks the lane scheduled. Returns whether the caller must hand it over.
        protected bool ScheduleLocked()
        {
            if (_scheduled)
            {
                return false;
            }

            _scheduled = true;
            _handOver = true;
            return true;
        }

        protected void HandOverUnlessInEvent()
        {
            if (!Monitor.IsEntered(router._gate))
            {
                RunIfQueued();
            }
        }

        protected abstract VrrpActionRunner Runner { get; }

        protected abstract int CountLocked();

        protected abstract bool TryTakeLocked(out TWork work);

        // Must not throw.
        protected abstract void Run(TWork work);
    }

    /// <summary>The seams' lane: address changes and announcements; a state change passes on to the notification lane.</summary>
    private sealed class ActionLane(VirtualRouter router) : Lane<PendingAction>(router)
    {
        private readonly Queue<PendingAction> _queue = new(4);
        private CoalescedChange _overflow;

        protected override VrrpActionRunner Runner => Router._profile.Runner;

        public void Enqueue(in PendingAction action)
        {
            bool handOver;
            lock (Gate)
            {
                // Behind a seam that never returns, a flapping router's changes past the limit are coalesced into the
                // latest, the states between counted as dropped, rather than held without bound; address changes
                // and announcements never are (a transition makes a few).
                if (action.Kind == ActionKind.StateChanged && (_queue.Count >= NotificationQueueLimit || _overflow.IsSet))
                {
                    _overflow.Add(action.Change, Router.Statistics);
                    return;
                }

                _queue.Enqueue(action);
                handOver = ScheduleLocked();
            }

            if (handOver)
            {
                HandOverUnlessInEvent();
            }
        }

        protected override int CountLocked() => _queue.Count + (_overflow.IsSet ? 1 : 0);

        protected override bool TryTakeLocked(out PendingAction work)
        {
            if (_queue.TryDequeue(out work))
            {
                return true;
            }

            // Everything before it has run: the coalesced change goes on, last.
            if (_overflow.TryTake(out StateChange change))
            {
                work = new PendingAction(ActionKind.StateChanged, null, 0, change);
                return true;
            }

            return false;
        }

        protected override void Run(PendingAction work)
        {
            try
            {
                Router.RunAction(work);
            }
#pragma warning disable CA1031 // a seam's failure is counted, reported, and puts the router in Fault: never a dead lane
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Router.OnActionFailed(work, exception);
            }
        }
    }

    /// <summary>
    /// The listeners' lane: the notifier and <see cref="StateChanged"/> handlers for each change, failure reports,
    /// and discards and failed sends, which are coalesced: one call per reason however many came while it waited.
    /// </summary>
    private sealed class NotificationLane(VirtualRouter router) : Lane<Notification>(router)
    {
        private readonly Queue<Notification> _queue = new(4);
        private CoalescedChange _overflow;

        protected override VrrpActionRunner Runner => Router._profile.NotificationRunner;
        private uint _discards; // one bit per VrrpPacketStatus heard since the lane last told them
        private bool _sendFailed;

        public void Enqueue(in Notification notification)
        {
            bool handOver;
            lock (Gate)
            {
                if (notification.Kind == NotificationKind.StateChanged && (_queue.Count >= NotificationQueueLimit || _overflow.IsSet))
                {
                    _overflow.Add(notification.Change, Router.Statistics);
                    return;
                }

                if (_queue.Count >= NotificationQueueLimit)
                {
                    Router.Statistics.OnNotificationDropped(); // a failure report: the counters keep every one
                    return;
                }

                _queue.Enqueue(notification);
                handOver = ScheduleLocked();
            }

            if (handOver)
            {
                HandOverUnlessInEvent();
            }
        }

        public void PostDiscard(VrrpPacketStatus status)
        {
            bool handOver;
            lock (Gate)
            {
                _discards |= 1u << ((int)status & 31);
                handOver = ScheduleLocked();
            }

            if (handOver)
            {
                HandOverUnlessInEvent();
            }
        }

        public void PostSendFailed()
        {
            bool handOver;
            lock (Gate)
            {
                _sendFailed = true;
                handOver = ScheduleLocked();
            }

            if (handOver)
            {
                HandOverUnlessInEvent();
            }
        }

        protected override int CountLocked() => _queue.Count + (_overflow.IsSet ? 1 : 0);

        // Changes first, in order, the coalesced one last; then what was discarded since the lane last ran, as one item.
        protected override bool TryTakeLocked(out Notification work)
        {
            if (_queue.TryDequeue(out work))
            {
                return true;
            }

            if (_overflow.TryTake(out StateChange change))
            {
                work = new Notification(NotificationKind.StateChanged, change);
                return true;
            }

            if (_discards == 0 && !_sendFailed)
            {
                return false;
            }

            work = new Notification(NotificationKind.Discarded, Discards: _discards, SendFailed: _sendFailed);
            (_discards, _sendFailed) = (0, false);
            return true;
        }

        protected override void Run(Notification work) => Router.RunNotification(work);
    }

    /// <summary>
    /// The state changes that came while a lane was full, as one: from the state its listeners will have heard last
    /// to the latest, so they always end up told the router's state, each change's From the previous one's To. A
    /// flap back to where they last heard tells nothing at all. Every state they are never told is counted dropped.
    /// </summary>
    private struct CoalescedChange
    {
        private StateChange _change;

        public bool IsSet { get; private set; }

        public void Add(in StateChange change, Diagnostics.VirtualRouterStatistics statistics)
        {
            if (!IsSet)
            {
                (_change, IsSet) = (change, true);
                return;
            }

            statistics.OnNotificationDropped(); // the state between the two is never told
            if (change.To == _change.From)
            {
                statistics.OnNotificationDropped(); // back where the listeners last heard: nothing to tell
                (_change, IsSet) = (default, false);
                return;
            }

            _change = change with { From = _change.From };
        }

        public bool TryTake(out StateChange change)
        {
            change = _change;
            if (!IsSet)
            {
                return false;
            }

            (_change, IsSet) = (default, false);
            return true;
        }
    }
}
