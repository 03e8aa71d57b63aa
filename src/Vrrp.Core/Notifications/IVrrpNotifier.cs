using Vrrp.Packets;

namespace Vrrp.Notifications;

/// <summary>
/// Hears every state change of the routers it is given to, in order, after the protocol has acted, and (when it
/// wants them) their discarded packets and failed sends. Called on the router's event path: an implementation must
/// return at once (queue the work) and must not throw.
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

    /// <summary>A router discarded a received packet (counted in its <see cref="VirtualRouter.Statistics"/> already).</summary>
    /// <param name="router">The router.</param>
    /// <param name="reason">Why.</param>
    void OnPacketDiscarded(VirtualRouter router, VrrpPacketStatus reason)
    {
    }

    /// <summary>A router's transport could not send an advertisement.</summary>
    /// <param name="router">The router.</param>
    void OnSendFailed(VirtualRouter router)
    {
    }
}
