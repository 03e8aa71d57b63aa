using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Vrrp.Addressing;
using Vrrp.Linux.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Linux.DependencyInjection;

/// <summary>Opens one raw-socket transport per interface and family, as vrrpd does, and closes them when disposed.</summary>
internal sealed class LinuxTransportFactory : IVrrpTransportFactory, IDisposable
{
    private readonly object _gate = new();
    private readonly VrrpOptions _options;
    private readonly Dictionary<string, LinuxInterface> _interfaces = [];
    private readonly Dictionary<(string Interface, AddressFamily Family), IVrrpTransport> _transports = [];

    public LinuxTransportFactory(IOptions<VrrpOptions> options) => _options = options.Value;

    public IVrrpTransport GetTransport(string interfaceName, AddressFamily family)
    {
        lock (_gate)
        {
            if (!_transports.TryGetValue((interfaceName, family), out IVrrpTransport? transport))
            {
                LinuxInterface networkInterface = Find(interfaceName);
                transport = family == AddressFamily.InterNetworkV6
                    ? RawIPv6Transport.Open(networkInterface)
                    : RawIPv4Transport.Open(networkInterface);
                _transports[(interfaceName, family)] = transport;
            }

            return transport;
        }
    }

    /// <summary>Finds an interface's index and IPv6 link-local address, for the announcer.</summary>
    public (int Index, PackedIPAddress LinkLocal) Resolve(string interfaceName)
    {
        lock (_gate)
        {
            return _interfaces.TryGetValue(interfaceName, out LinuxInterface? found) ? (found.Index, found.IPv6LinkLocal) : (0, default);
        }
    }

    public int IndexOf(string interfaceName)
    {
        lock (_gate)
        {
            return Find(interfaceName).Index;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (IVrrpTransport transport in _transports.Values)
            {
                (transport as IDisposable)?.Dispose();
            }

            _transports.Clear();
        }
    }

    private LinuxInterface Find(string interfaceName)
    {
        if (!_interfaces.TryGetValue(interfaceName, out LinuxInterface? found))
        {
            // A virtual address left on the interface by a crashed run must never be taken as its primary address.
            var excluded = new List<PackedIPAddress>();
            foreach (VirtualRouterOptions router in _options.Routers)
            {
                foreach (string text in router.VirtualAddresses)
                {
                    if (VirtualAddress.TryParse(text, out VirtualAddress address))
                    {
                        excluded.Add(address.Address);
                    }
                }
            }

            _interfaces[interfaceName] = found = LinuxInterface.Find(interfaceName, excluded);
        }

        return found;
    }
}
