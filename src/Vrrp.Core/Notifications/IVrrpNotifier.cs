namespace Vrrp.Notifications;

/// <summary>
/// Hears every state change of the routers it is given to, in order, after the protocol has acted. Called on the
/// router's event path: an implementation must return at once (queue the work) and must not throw.
/// </summary>
public interface IVrrpNotifier
{
    /// <summary>A router changed state.</summary>
    /// <param name="router">The router.</param>
    /// <param name="change">The change.</param>
    void OnStateChanged(VirtualRouter router, in StateChange change);
}
