using Vrrp.Addressing;

namespace Vrrp.Linux.Netlink;

/// <summary>The kernel refused to add or remove a virtual address (a scope that differs from its subnet's primary address, an interface that is gone).</summary>
/// <param name="interfaceName">The interface.</param>
/// <param name="address">The address.</param>
/// <param name="adding">Whether the request added the address (else it removed it).</param>
/// <param name="errno">The errno the kernel answered.</param>
public sealed class AddressRequestFailedEventArgs(string interfaceName, VirtualAddress address, bool adding, int errno) : EventArgs
{
    /// <summary>Gets the interface.</summary>
    public string InterfaceName { get; } = interfaceName;

    /// <summary>Gets the address.</summary>
    public VirtualAddress Address { get; } = address;

    /// <summary>Gets a value indicating whether the request added the address (else it removed it).</summary>
    public bool Adding { get; } = adding;

    /// <summary>Gets the errno the kernel answered.</summary>
    public int Errno { get; } = errno;

    /// <inheritdoc/>
    public override string ToString() => $"{(Adding ? "adding" : "removing")} {Address} on {InterfaceName} failed: errno {Errno}{(Errno == 22 ? " (EINVAL: an IPv4 address must have the scope of its subnet's primary address)" : string.Empty)}";
}
