namespace Vrrp;

/// <summary>
/// Told by <see cref="VrrpService"/> when each router starts and stops, including the routers a reload
/// (<see cref="VrrpService.ApplyAsync"/>) adds, restarts or removes: where a platform attaches what a router needs
/// around it (removing a crashed run's addresses before it starts, tracking its link while it runs). Register with
/// <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;IVirtualRouterLifecycle, T&gt;())</c>.
/// </summary>
/// <remarks>Called in order for one router, never on the protocol loop; an exception fails the start or the reload that caused it.</remarks>
public interface IVirtualRouterLifecycle
{
    /// <summary>Called before the router starts.</summary>
    /// <param name="router">The router.</param>
    void OnStarting(VirtualRouter router);

    /// <summary>Called once the router runs.</summary>
    /// <param name="router">The router.</param>
    void OnStarted(VirtualRouter router);

    /// <summary>Called before the router stops (a master then sends priority 0 and removes its addresses).</summary>
    /// <param name="router">The router.</param>
    void OnStopping(VirtualRouter router);
}
