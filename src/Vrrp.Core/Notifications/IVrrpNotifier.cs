using Vrrp.Packets;

namespace Vrrp.Notifications;

/// <summary>
/// Hears every state change of the routers it is given to, in order, after the protocol has acted, and (when it
/// wants them) their discarded packets, failed sends and failed actions. Called off the protocol loop, on the router's
/// <see cref="VrrpActionRunner"/>, one call at a time per router: a slow notifier delays no advertisement, but holds
/// up that router's later notifications and address changes. An exception is caught and counted.
/// </summary>
/// <remarks>
/// One notifier serves every router of a host: giving it to each router's constructor costs the router one
/// reference, where a subscription to <see cref="VirtualRouter.StateChanged"/> costs a delegate (and, past the
/// first subscriber, a combined one) per router. <see cref="VrrpNotifiers.Combine"/> joins several.
/// </remarks>
public interface IVrrpNotifier
{
    /// <summary>A router changed state.</summary>
    /// <param name="router">The router.</param>
    /// <param name="change">The change.</param>
    void OnStateChanged(VirtualRouter router, in StateChange change);

    /// <summary>
    /// A router discarded a received packet (counted in its <see cref="VirtualRouter.Statistics"/> already). Discards
    /// that arrive while the router's earlier ones wait to be told are told once per reason.
    /// </summary>
    /// <param name="router">The router.</param>
    /// <param name="reason">Why.</param>
    void OnPacketDiscarded(VirtualRouter router, VrrpPacketStatus reason)
    {
    }

    /// <summary>A master heard a lower priority and answered it (keepalived's <c>notify_master_rx_lower_pri</c>).</summary>
    /// <param name="router">The router.</param>
    /// <param name="advert">What it heard.</param>
    void OnLowerPriorityHeard(VirtualRouter router, in LowerPriorityAdvert advert)
    {
    }

    /// <summary>A router's transport could not send an advertisement.</summary>
    /// <param name="router">The router.</param>
    void OnSendFailed(VirtualRouter router)
    {
    }

    /// <summary>A router's seam threw: its address manager or announcer (the router is then in Fault for a while), or a notifier or handler.</summary>
    /// <param name="router">The router.</param>
    /// <param name="seam">Which seam: "address manager", "announcer", "state-change handler" or "discard notifier".</param>
    /// <param name="exception">What it threw.</param>
    void OnActionFailed(VirtualRouter router, string seam, Exception exception)
    {
    }
}
