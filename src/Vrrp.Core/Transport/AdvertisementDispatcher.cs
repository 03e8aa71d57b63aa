using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Transport;

/// <summary>
/// Directs received packets to the virtual router of their VRID, without allocating: one slot per VRID. Transports
/// share it so that one socket serves every router on an interface, as keepalived and FRR do.
/// </summary>
public sealed class AdvertisementDispatcher
{
    private readonly IAdvertisementReceiver?[] _receivers = new IAdvertisementReceiver?[256];
    private readonly AddressFamily _family;
    private long _unknownVirtualRouterId;
    private long _unreadable;

    /// <summary>Initializes a dispatcher for one address family.</summary>
    /// <param name="family">IPv4 packets start with their header; IPv6 packets are the VRRP message alone.</param>
    public AdvertisementDispatcher(AddressFamily family) => _family = family;

    /// <summary>Gets the number of packets for a VRID no router here has (RFC 8347 vrid-errors).</summary>
    public long UnknownVirtualRouterId => Interlocked.Read(ref _unknownVirtualRouterId);

    /// <summary>Gets the number of packets too malformed to find a VRID in.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Registers a receiver.</summary>
    /// <param name="virtualRouterId">The VRID.</param>
    /// <param name="receiver">The receiver.</param>
    /// <exception cref="InvalidOperationException">The VRID is taken.</exception>
    public void Register(byte virtualRouterId, IAdvertisementReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (Interlocked.CompareExchange(ref _receivers[virtualRouterId], receiver, null) is { } existing && existing != receiver)
        {
            throw new InvalidOperationException($"VRID {virtualRouterId} is already in use on this interface for {_family}; each virtual router on an interface needs its own VRID (1 to 255).");
        }
    }

    /// <summary>Unregisters a receiver.</summary>
    /// <param name="virtualRouterId">The VRID.</param>
    /// <param name="receiver">The receiver registered.</param>
    public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => Interlocked.CompareExchange(ref _receivers[virtualRouterId], null, receiver);

    /// <summary>Finds the packet's VRID and hands the packet to its router; an IPv4 datagram's headers are read and checked here, once.</summary>
    /// <param name="packet">An IPv4 datagram, or an IPv6 VRRP message.</param>
    /// <param name="metadata">What the network layer said.</param>
    /// <returns><see langword="true"/> when a router took the packet.</returns>
    public bool Dispatch(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        if (_family == AddressFamily.InterNetwork
            && VrrpDatagram.TryReadIPv4Header(packet, out IPv4Envelope envelope) == VrrpPacketStatus.Valid
            && envelope.TotalLength > envelope.MessageOffset + 1)
        {
            // The IPv4 header is read here, once: the router validates the advertisement from what it says.
            return Deliver(packet[envelope.MessageOffset + 1], packet, new PacketMetadata(envelope.Source, envelope.Destination, envelope.TimeToLive) { IPv4 = envelope });
        }

        // IPv6, or an IPv4 header that failed a check: its router still counts the discard (RFC 8347 counts per router).
        if (!TryPeekVirtualRouterId(packet, out byte vrid))
        {
            Interlocked.Increment(ref _unreadable);
            return false;
        }

        return Deliver(vrid, packet, metadata with { IPv4 = default });
    }

    private bool Deliver(byte vrid, ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        IAdvertisementReceiver? receiver = Volatile.Read(ref _receivers[vrid]);
        if (receiver is null)
        {
            Interlocked.Increment(ref _unknownVirtualRouterId);
            return false;
        }

        receiver.Receive(packet, metadata);
        return true;
    }

    private bool TryPeekVirtualRouterId(ReadOnlySpan<byte> packet, out byte vrid)
    {
        vrid = 0;
        int offset = 0;
        if (_family == AddressFamily.InterNetwork)
        {
            if (packet.Length < IPv4Header.MinimumLength)
            {
                return false;
            }

            offset = (packet[0] & 0x0F) * 4;
            if (packet.Length > 9 && packet[9] == AuthenticationHeader.IPProtocol)
            {
                offset += AuthenticationHeader.Length;
            }
        }

        if (packet.Length < offset + 2)
        {
            return false;
        }

        vrid = packet[offset + 1];
        return true;
    }
}
