namespace Vrrp.Addressing;

/// <summary>
/// Puts a virtual router's addresses on its interface and takes them off: netlink on Linux, a record in
/// Vrrp.Testing. Calls come off the router's protocol loop, one at a time and in order per router; they may block
/// (a netlink round trip) without delaying any advertisement. Calls must be idempotent.
/// </summary>
/// <remarks>
/// An exception is caught and counted, and puts the router in Fault for <see cref="VirtualRouter.ActionFaultHold"/>
/// (a master that cannot hold its addresses hands over), after which it tries again.
/// </remarks>
public interface IVirtualAddressManager
{
    /// <summary>Adds <paramref name="addresses"/> (on the virtual MAC interface when one is used).</summary>
    /// <param name="router">The router becoming master.</param>
    /// <param name="addresses">
    /// The addresses to add: the router's whole list on becoming master, or only the arriving ones when a master's list
    /// changes at run time (<see cref="VirtualRouter.SetVirtualAddresses"/>), so an address in both lists is never touched.
    /// </param>
    void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses);

    /// <summary>Removes <paramref name="addresses"/>.</summary>
    /// <param name="router">The router leaving the master state.</param>
    /// <param name="addresses">The addresses to remove: the router's whole list, or only the leaving ones at a run-time change.</param>
    void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses);
}
