using Vrrp.Addressing;

namespace Vrrp.Linux.Netlink;

/// <summary>A virtual address found on its interface but put there by someone else, and so left alone.</summary>
/// <param name="interfaceName">The interface.</param>
/// <param name="address">The address.</param>
public sealed class AddressNotOwnedEventArgs(string interfaceName, VirtualAddress address) : EventArgs
{
    /// <summary>Gets the interface.</summary>
    public string InterfaceName { get; } = interfaceName;

    /// <summary>Gets the address.</summary>
    public VirtualAddress Address { get; } = address;

    /// <inheritdoc/>
    public override string ToString() => $"{Address} on {InterfaceName} is configured outside Vrrp (not marked ours): neither added nor removed";
}
