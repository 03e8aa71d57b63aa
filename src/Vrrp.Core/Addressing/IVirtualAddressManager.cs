namespace Vrrp.Addressing;

/// <summary>
/// Puts a virtual router's addresses on its interface and takes them off: netlink on Linux, a record in
/// Vrrp.Testing. Called with the router's events serialized; calls must be idempotent and must not throw.
/// </summary>
public interface IVirtualAddressManager
{
    /// <summary>Adds <see cref="VirtualRouter.VirtualAddresses"/> (on the virtual MAC interface when one is used).</summary>
    /// <param name="router">The router becoming master.</param>
    void AddAddresses(VirtualRouter router);

    /// <summary>Removes the router's virtual addresses.</summary>
    /// <param name="router">The router leaving the master state.</param>
    void RemoveAddresses(VirtualRouter router);
}
