using Vrrp.Protocol;

namespace Vrrp.Notifications;

/// <summary>
/// Hears every change a <see cref="VrrpNotificationDispatcher"/> dispatches, in one order across routers and groups,
/// where the dispatcher hears it and before any hook: for records that must follow the changes' order exactly (a
/// keepalived notify FIFO, a state file). It must not block: write to memory, and move bytes elsewhere.
/// </summary>
public interface IVrrpChangeRecorder
{
    /// <summary>Records a change.</summary>
    /// <param name="source">The router or group that changed.</param>
    /// <param name="change">The change; a group's carries priority 0.</param>
    void Record(VrrpChangeSource source, in StateChange change);

    /// <summary>
    /// Records the state of a router or group that already runs (kept across a reload), unless a change of it was
    /// recorded first.
    /// </summary>
    /// <param name="source">The router or group.</param>
    /// <param name="state">Its state now.</param>
    /// <param name="priority">Its priority now; 0 for a group.</param>
    void RecordRunning(VrrpChangeSource source, VrrpState state, int priority);

    /// <summary>Records that a master heard a lower priority and answered it.</summary>
    /// <param name="source">The router.</param>
    /// <param name="advert">What it heard.</param>
    void RecordLowerPriorityHeard(VrrpChangeSource source, in LowerPriorityAdvert advert)
    {
    }
}
