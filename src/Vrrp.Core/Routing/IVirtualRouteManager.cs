namespace Vrrp.Routing;

/// <summary>
/// Puts a master's routes and rules (<see cref="VirtualRouterOptions.VirtualRoutes"/>,
/// <see cref="VirtualRouterOptions.VirtualRules"/>) in place and takes them away. Implemented by an
/// <see cref="Addressing.IVirtualAddressManager"/> that can: the router asks its address manager, so routes follow the
/// addresses they depend on, in the same order, off the protocol loop.
/// </summary>
/// <remarks>
/// Calls come one at a time and in order per router, and may block. Only what was added is to be removed. An exception
/// is caught and counted as an address manager's is.
/// </remarks>
public interface IVirtualRouteManager
{
    /// <summary>Adds the router's routes, then its rules: after its addresses, on becoming master.</summary>
    /// <param name="router">The router becoming master.</param>
    void AddRoutes(VirtualRouter router);

    /// <summary>Removes the router's rules, then its routes: before its addresses, on leaving the master state.</summary>
    /// <param name="router">The router leaving the master state.</param>
    void RemoveRoutes(VirtualRouter router);
}
