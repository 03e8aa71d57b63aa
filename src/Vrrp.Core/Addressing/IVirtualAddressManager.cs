namespace Vrrp.Addressing;

/// <summary>
/// Puts a virtual router's addresses on its interface and takes them off: netlink on Linux, a record in
/// Vrrp.Testing. Called with the router's events serialized; calls must be idempotent and must not throw.
/// </summary>
/// <remarks>
/// Both calls act on what <see cref="VirtualRouter.VirtualAddresses"/> lists at the time of the call. When a master's
/// list changes at run time (<see cref="VirtualRouter.SetVirtualAddresses"/>), the router calls
/// <see cref="RemoveAddresses"/> while the list holds only the addresses that leave, then <see cref="AddAddresses"/>
/// while it holds only those that arrive, so an address in both lists is never touched.
/// </remarks>
public interface IVirtualAddressManager
{
    /// <summary>Adds <see cref="VirtualRouter.VirtualAddresses"/> (on the virtual MAC interface when one is used).</summary>
    /// <param name="router">The router becoming master.</param>
    void AddAddresses(VirtualRouter router);

    /// <summary>Removes the router's virtual addresses.</summary>
    /// <param name="router">The router leaving the master state.</param>
    void RemoveAddresses(VirtualRouter router);
}
