using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Transport;

/// <summary>
/// Sends and receives VRRP packets on one interface for one address family, shared by every virtual router there,
/// which register by VRID. Implementations: raw sockets (Vrrp.Linux), an in-memory network (Vrrp.Testing).
/// </summary>
public interface IVrrpTransport
{
    /// <summary>Gets the address family carried.</summary>
    AddressFamily Family { get; }

    /// <summary>Gets the interface's primary address (IPv4) or link-local address (IPv6): the source of every advertisement (RFC 9568 §5.1.1.1).</summary>
    PackedIPAddress PrimaryAddress { get; }

    /// <summary>
    /// Gets the interface of a transport made for one router alone (its macvlan in virtual MAC mode), where that router
    /// also keeps its addresses and sends its announcements; null (the default) for a transport the routers of
    /// <see cref="VirtualRouterOptions.Interface"/> share.
    /// </summary>
    string? DedicatedInterface => null;

    /// <summary>Gets the interface's own MAC address.</summary>
    MacAddress InterfaceMac { get; }

    /// <summary>
    /// Sends one packet: for IPv4, a whole datagram, header first (the transport sends it as is); for IPv6, the VRRP
    /// message (the transport adds the header, hop limit 255).
    /// </summary>
    /// <param name="packet">The bytes.</param>
    /// <param name="destination">The VRRP group or a unicast peer.</param>
    /// <returns><see langword="false"/> when the packet could not be sent (the interface is down, say).</returns>
    bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination);

    /// <summary>
    /// Sends one packet from <paramref name="source"/>: for IPv6, the address the router computed the checksum over
    /// (its configured <see cref="VirtualRouterOptions.SourceAddress"/>, else <see cref="PrimaryAddress"/>). The default
    /// sends from <see cref="PrimaryAddress"/>, as <see cref="Send(ReadOnlySpan{byte}, PackedIPAddress)"/> does; an IPv4
    /// datagram carries its source in its header.
    /// </summary>
    /// <param name="packet">The bytes.</param>
    /// <param name="destination">The VRRP group or a unicast peer.</param>
    /// <param name="source">The source address.</param>
    /// <returns><see langword="false"/> when the packet could not be sent.</returns>
    bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination, PackedIPAddress source) => Send(packet, destination);

    /// <summary>
    /// Joins another VRRP multicast group on the interface (<see cref="VirtualRouterOptions.MulticastGroup"/>), so that
    /// adverts sent to it are heard; joining a group twice is harmless. The default does nothing: a transport that
    /// hears every multicast (the in-memory one) needs nothing more.
    /// </summary>
    /// <param name="group">The group.</param>
    void JoinMulticastGroup(PackedIPAddress group)
    {
    }

    /// <summary>Directs packets for <paramref name="virtualRouterId"/> to <paramref name="receiver"/>.</summary>
    /// <param name="virtualRouterId">The VRID.</param>
    /// <param name="receiver">The receiver.</param>
    /// <exception cref="InvalidOperationException">Another receiver has this VRID on this transport.</exception>
    void Register(byte virtualRouterId, IAdvertisementReceiver receiver);

    /// <summary>Stops directing packets for <paramref name="virtualRouterId"/> to <paramref name="receiver"/>.</summary>
    /// <param name="virtualRouterId">The VRID.</param>
    /// <param name="receiver">The receiver registered.</param>
    void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver);
}
