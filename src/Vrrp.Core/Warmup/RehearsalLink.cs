using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Warmup;

/// <summary>
/// Two rehearsal interfaces joined back to back: what one sends, the other receives when the rehearsal delivers it.
/// Addresses and announcements go nowhere.
/// </summary>
internal sealed class RehearsalLink : IVirtualAddressManager, IAddressAnnouncer
{
    private readonly byte[] _frame = new byte[128];
    private readonly Queue<(Port To, PackedIPAddress Source, PackedIPAddress Destination, byte[] Packet)> _inFlight = new();

    public RehearsalLink(AddressFamily family)
    {
        bool v6 = family == AddressFamily.InterNetworkV6;
        First = new Port(this, family, PackedIPAddress.Parse(v6 ? "fe80::1" : "198.51.100.1"));
        Second = new Port(this, family, PackedIPAddress.Parse(v6 ? "fe80::2" : "198.51.100.2"));
    }

    public Port First { get; }

    public Port Second { get; }

    /// <summary>Delivers everything sent so far, and whatever the deliveries cause to be sent.</summary>
    public void Deliver()
    {
        while (_inFlight.TryDequeue(out var delivery))
        {
            delivery.To.Dispatcher.Dispatch(delivery.Packet, new PacketMetadata(delivery.Source, delivery.Destination, VrrpDatagram.RequiredHopLimit));
        }
    }

    public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
    }

    public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
    }

    // Builds the frames a real announcer sends, so that code is compiled too; they go nowhere.
    public void Announce(VirtualRouter router, int repeat)
    {
        foreach (VirtualAddress address in router.VirtualAddresses)
        {
            _ = address.Address.Family == AddressFamily.InterNetwork
                ? GratuitousArp.TryWrite(_frame, router.AnnouncementMac, address.Address, out _)
                : UnsolicitedNeighborAdvertisement.TryWrite(_frame, router.AnnouncementMac, router.PrimaryAddress, address.Address, UnsolicitedNeighborAdvertisement.RfcFlags, out _);
        }
    }

    internal sealed class Port(RehearsalLink link, AddressFamily family, PackedIPAddress primaryAddress) : IVrrpTransport
    {
        public AddressFamily Family { get; } = family;

        public PackedIPAddress PrimaryAddress { get; } = primaryAddress;

        public MacAddress InterfaceMac => default;

        public AdvertisementDispatcher Dispatcher { get; } = new(family);

        public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination)
        {
            Port to = ReferenceEquals(this, link.First) ? link.Second : link.First;
            link._inFlight.Enqueue((to, PrimaryAddress, destination, packet.ToArray()));
            return true;
        }

        public void Register(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Register(virtualRouterId, receiver);

        public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Unregister(virtualRouterId, receiver);
    }
}
