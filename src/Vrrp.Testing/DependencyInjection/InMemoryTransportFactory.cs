using System.Net.Sockets;
using Vrrp.Transport;

namespace Vrrp.Testing.DependencyInjection;

/// <summary>Gives each interface name a host on the network (added on first use), so one container's routers share one host.</summary>
internal sealed class InMemoryTransportFactory(InMemoryNetwork network) : IVrrpTransportFactory
{
    private readonly object _gate = new();

    public IVrrpTransport GetTransport(string interfaceName, AddressFamily family)
    {
        lock (_gate)
        {
            foreach (InMemoryHost host in network.Hosts)
            {
                if (host.Name == interfaceName)
                {
                    return host.GetTransport(family);
                }
            }

            return network.AddHost(interfaceName).GetTransport(family);
        }
    }
}
