using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Testing;

/// <summary>The <see cref="IVrrpTransport"/> of an <see cref="InMemoryHost"/>: real encoded bytes onto the simulated link.</summary>
internal sealed class InMemoryTransport : IVrrpTransport
{
    private readonly InMemoryHost _host;

    public InMemoryTransport(InMemoryHost host, AddressFamily family)
    {
        _host = host;
        Family = family;
        Dispatcher = new AdvertisementDispatcher(family);
    }

    public AddressFamily Family { get; }

    public PackedIPAddress PrimaryAddress => Family == AddressFamily.InterNetworkV6 ? _host.IPv6LinkLocalAddress : _host.IPv4Address;

    public MacAddress InterfaceMac => _host.Mac;

    public AdvertisementDispatcher Dispatcher { get; }

    public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination) => _host.Network.Send(_host, Family, packet, destination);

    public void Register(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Register(virtualRouterId, receiver);

    public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Unregister(virtualRouterId, receiver);
}
