using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Testing;

/// <summary>A host on an <see cref="InMemoryNetwork"/>: an interface with an IPv4 address, an IPv6 link-local address and a MAC.</summary>
public sealed class InMemoryHost
{
    private readonly InMemoryTransport _ipv4;
    private readonly InMemoryTransport _ipv6;
    private readonly object _gate = new();
    private VirtualRouter[] _watchers = [];

    internal InMemoryHost(InMemoryNetwork network, int index, string name, PackedIPAddress ipv4, PackedIPAddress ipv6, MacAddress mac)
    {
        Network = network;
        Index = index;
        Name = name;
        IPv4Address = ipv4;
        IPv6LinkLocalAddress = ipv6;
        Mac = mac;
        _ipv4 = new InMemoryTransport(this, AddressFamily.InterNetwork);
        _ipv6 = new InMemoryTransport(this, AddressFamily.InterNetworkV6);
    }

    /// <summary>Gets the network.</summary>
    public InMemoryNetwork Network { get; }

    /// <summary>Gets the host's name, as the frame log shows it.</summary>
    public string Name { get; }

    /// <summary>Gets the primary IPv4 address.</summary>
    public PackedIPAddress IPv4Address { get; }

    /// <summary>Gets the IPv6 link-local address.</summary>
    public PackedIPAddress IPv6LinkLocalAddress { get; }

    /// <summary>Gets the interface MAC.</summary>
    public MacAddress Mac { get; }

    /// <summary>Gets a value indicating whether the host's link is up.</summary>
    public bool IsConnected { get; internal set; } = true;

    internal int Index { get; }

    internal int PartitionGroup { get; set; }

    /// <summary>Returns the transport of this host for a family: every virtual router of the host and family shares it.</summary>
    /// <param name="family">IPv4 or IPv6.</param>
    /// <returns>The transport.</returns>
    public IVrrpTransport GetTransport(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? _ipv6 : _ipv4;

    /// <summary>
    /// Returns the dispatcher of this host for a family: it hands received packets to the router of their VRID and
    /// counts those for a VRID no router here has (RFC 8347 vrid-errors) and those too malformed to find a VRID in.
    /// </summary>
    /// <param name="family">IPv4 or IPv6.</param>
    /// <returns>The dispatcher.</returns>
    public AdvertisementDispatcher GetDispatcher(AddressFamily family) => Transport(family).Dispatcher;

    /// <summary>
    /// Hands a packet to this host's routers at once, as its raw socket would, with the metadata given: for packets no
    /// sender on the network could produce, such as an IPv6 advertisement with a hop limit below 255 or a spoofed
    /// source. The link's conditions, partitions and the frame log are bypassed; call it from the thread that drives
    /// the clock, outside the clock's callbacks.
    /// </summary>
    /// <param name="family">IPv4 (a whole datagram, header first) or IPv6 (the VRRP message alone).</param>
    /// <param name="packet">The bytes.</param>
    /// <param name="metadata">What the network layer would say: source, destination, hop limit.</param>
    /// <returns><see langword="true"/> when a router of the packet's VRID took it.</returns>
    public bool Inject(AddressFamily family, ReadOnlySpan<byte> packet, in PacketMetadata metadata) => Transport(family).Dispatcher.Dispatch(packet, metadata);

    /// <summary>
    /// Tells <paramref name="router"/> of the gratuitous ARPs and neighbour advertisements this host hears from the others, as Vrrp.Linux's
    /// <c>AnnouncementListener</c> does on a real link, so that a master answers another router's announcement of its
    /// addresses. <see cref="VrrpSimulation"/> watches for every router it builds; announcements are sent by a
    /// <see cref="FakeAddressManager"/> whose <see cref="FakeAddressManager.Host"/> is set.
    /// </summary>
    /// <param name="router">A router of this host.</param>
    public void Watch(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            _watchers = [.. _watchers, router];
        }
    }

    internal void HearAnnouncement(ReadOnlySpan<byte> frame)
    {
        const int ethernet = 14, ipv6 = 40;
        MacAddress mac;
        PackedIPAddress address;
        AnnouncementStatus status = frame.Length > ethernet && frame[12] == 0x08 && frame[13] == 0x06
            ? ArpPacket.TryReadSender(frame[ethernet..], out mac, out address)
            : NeighborAdvertisement.TryReadOverride(frame.Length > ethernet + ipv6 ? frame[(ethernet + ipv6)..] : [], out address, out mac);
        if (status != AnnouncementStatus.Valid)
        {
            return;
        }

        foreach (VirtualRouter router in Volatile.Read(ref _watchers))
        {
            router.HearAnnouncement(address, mac);
        }
    }

    internal InMemoryTransport Transport(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? _ipv6 : _ipv4;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
