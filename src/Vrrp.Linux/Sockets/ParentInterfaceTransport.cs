using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Linux.Sockets;

/// <summary>
/// A virtual MAC mode router's transport when its advertisements go over the parent (keepalived's
/// <c>vmac_xmit_base</c>): the parent's shared transport, sending from the parent's address and MAC and hearing what
/// the parent hears, named for the router's macvlan so that its addresses and announcements go there.
/// </summary>
/// <param name="parent">The parent interface's transport, shared with the routers on it.</param>
/// <param name="macvlan">The router's own interface.</param>
internal sealed class ParentInterfaceTransport(IVrrpTransport parent, string macvlan) : IVrrpTransport
{
    /// <inheritdoc/>
    public AddressFamily Family => parent.Family;

    /// <inheritdoc/>
    public PackedIPAddress PrimaryAddress => parent.PrimaryAddress;

    /// <inheritdoc/>
    public string? DedicatedInterface => macvlan;

    /// <inheritdoc/>
    public MacAddress InterfaceMac => parent.InterfaceMac;

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination) => parent.Send(packet, destination);

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination, PackedIPAddress source) => parent.Send(packet, destination, source);

    /// <inheritdoc/>
    public void JoinMulticastGroup(PackedIPAddress group) => parent.JoinMulticastGroup(group);

    /// <inheritdoc/>
    public void Register(byte virtualRouterId, IAdvertisementReceiver receiver) => parent.Register(virtualRouterId, receiver);

    /// <inheritdoc/>
    public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => parent.Unregister(virtualRouterId, receiver);
}
