namespace Vrrp.Transport;

/// <summary>Takes the packets a transport received for one VRID. Implemented by <see cref="VirtualRouter"/>.</summary>
public interface IAdvertisementReceiver
{
    /// <summary>
    /// Handles one received packet: for IPv4 the whole datagram, header first; for IPv6 the VRRP message, with the
    /// IPv6 header's fields in <paramref name="metadata"/>. Must not throw and must not keep the span.
    /// </summary>
    /// <param name="packet">The bytes.</param>
    /// <param name="metadata">Addresses and hop limit.</param>
    void Receive(ReadOnlySpan<byte> packet, in PacketMetadata metadata);
}
