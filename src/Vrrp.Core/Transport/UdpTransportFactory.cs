using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Vrrp.Transport;

/// <summary>Opens one <see cref="UdpTransport"/> for every router of the host: UDP has no interfaces, so the interface name only labels the router.</summary>
internal sealed class UdpTransportFactory : IVrrpTransportFactory, IDisposable
{
    private readonly object _gate = new();
    private readonly UdpTransportOptions _options;
    private UdpTransport? _transport;

    public UdpTransportFactory(IOptions<UdpTransportOptions> options) => _options = options.Value;

    public IVrrpTransport GetTransport(string interfaceName, AddressFamily family)
    {
        lock (_gate)
        {
            _transport ??= UdpTransport.Open(_options);
            return _transport.Family == family
                ? _transport
                : throw new VrrpConfigurationException([$"UdpTransport: LocalAddress is {_transport.Family} but a router on '{interfaceName}' needs {family}; give it addresses or peers of LocalAddress's family."]);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _transport?.Dispose();
            _transport = null;
        }
    }
}
