using Vrrp.Packets;

namespace Vrrp.Transport;

/// <summary>What the network layer said about a received packet, beyond its bytes.</summary>
/// <param name="Source">The IP source. For IPv4 the dispatcher takes it from the header the packet starts with.</param>
/// <param name="Destination">The IP destination: the VRRP group, or our unicast address.</param>
/// <param name="HopLimit">The IPv6 hop limit from ancillary data; for IPv4, the TTL from the header.</param>
public readonly record struct PacketMetadata(PackedIPAddress Source, PackedIPAddress Destination, byte HopLimit)
{
    /// <summary>
    /// Gets the IPv4 datagram's headers as <see cref="AdvertisementDispatcher"/> read them, once, on its way to the
    /// router; <c>default</c> (not valid) when they were unreadable, and for IPv6.
    /// </summary>
    public IPv4Envelope IPv4 { get; init; }
}
