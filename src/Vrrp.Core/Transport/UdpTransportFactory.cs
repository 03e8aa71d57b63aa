using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vrrp.Diagnostics;

namespace Vrrp.Transport;

/// <summary>Opens one <see cref="UdpTransport"/> for every router of the host: UDP has no interfaces, so the interface name only labels the router.</summary>
internal sealed class UdpTransportFactory : IVrrpTransportFactory, IDisposable
{
    private readonly object _gate = new();
    private readonly UdpTransportOptions _options;
    private readonly ILogger _logger;
    private UdpTransport? _transport;

    public UdpTransportFactory(IOptions<UdpTransportOptions> options, ILoggerFactory? loggers = null)
    {
        _options = options.Value;
        _logger = (ILogger?)loggers?.CreateLogger("Vrrp.Transport") ?? NullLogger.Instance;
    }

    public IVrrpTransport GetTransport(string interfaceName, AddressFamily family)
    {
        lock (_gate)
        {
            if (_transport is null)
            {
                _transport = UdpTransport.Open(_options);
                if (!_transport.IsAuthenticated)
                {
                    VrrpLog.UdpUnauthenticated(_logger, _options.LocalAddress, _options.Port);
                }
            }

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
