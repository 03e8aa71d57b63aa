using Vrrp.Packets;

namespace Vrrp.Transport;

/// <summary>What the network layer said about a received packet, beyond its bytes.</summary>
/// <param name="Source">The IP source. For IPv4 it is also in the header the packet starts with.</param>
/// <param name="Destination">The IP destination: the VRRP group, or our unicast address.</param>
/// <param name="HopLimit">The IPv6 hop limit from ancillary data; for IPv4, the TTL from the header.</param>
public readonly record struct PacketMetadata(PackedIPAddress Source, PackedIPAddress Destination, byte HopLimit);
