using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Election.Harness;

/// <summary>Cuts a UDP elector off from its peers at its transport: nothing sent, nothing received, while isolated.</summary>
internal sealed class CuttableUdpTransportFactory : IVrrpTransportFactory
{
    public IVrrpTransportFactory? Inner { get; set; }

    public volatile bool Isolated;

    public IVrrpTransport GetTransport(string interfaceName, AddressFamily family) => new Cuttable(Inner!.GetTransport(interfaceName, family), this);

    private sealed class Cuttable(IVrrpTransport inner, CuttableUdpTransportFactory owner) : IVrrpTransport
    {
        private readonly Dictionary<IAdvertisementReceiver, Receiver> _receivers = [];

        public AddressFamily Family => inner.Family;

        public PackedIPAddress PrimaryAddress => inner.PrimaryAddress;

        public MacAddress InterfaceMac => inner.InterfaceMac;

        public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination) => owner.Isolated || inner.Send(packet, destination);

        public void Register(byte virtualRouterId, IAdvertisementReceiver receiver)
        {
            var wrapped = new Receiver(receiver, owner);
            _receivers[receiver] = wrapped;
            inner.Register(virtualRouterId, wrapped);
        }

        public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver)
        {
            if (_receivers.Remove(receiver, out Receiver? wrapped))
            {
                inner.Unregister(virtualRouterId, wrapped);
            }
        }
    }

    private sealed class Receiver(IAdvertisementReceiver inner, CuttableUdpTransportFactory owner) : IAdvertisementReceiver
    {
        public void Receive(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
        {
            if (!owner.Isolated)
            {
                inner.Receive(packet, metadata);
            }
        }
    }
}
