using System.Net.Sockets;

namespace Vrrp.Transport;

/// <summary>
/// Makes the transports routers run on, as Kestrel's transport factories make listeners: one per interface and
/// address family, shared by every router there (they register by VRID). Implementations: raw sockets
/// (<c>UseLinux()</c>), an in-memory network (<c>UseInMemoryNetwork()</c>), UDP between listed peers
/// (<c>UseUdp()</c>). The factory owns what it made and closes it when disposed.
/// </summary>
public interface IVrrpTransportFactory
{
    /// <summary>Returns the transport of an interface and family, opening it on first use.</summary>
    /// <param name="interfaceName">The interface, as <see cref="VirtualRouterOptions.Interface"/> names it.</param>
    /// <param name="family">IPv4 or IPv6.</param>
    /// <returns>The shared transport.</returns>
    IVrrpTransport GetTransport(string interfaceName, AddressFamily family);

    /// <summary>
    /// Returns the transport of one router: by default the shared transport of its interface and family. A factory
    /// that gives a router an interface of its own (virtual MAC mode, <see cref="VirtualRouterOptions.UseVirtualMac"/>)
    /// makes it here, and says so by <see cref="IVrrpTransport.DedicatedInterface"/>.
    /// </summary>
    /// <param name="router">The router's options.</param>
    /// <returns>The transport.</returns>
    IVrrpTransport GetTransport(VirtualRouterOptions router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return GetTransport(router.Interface, VrrpService.FamilyOf(router));
    }

    /// <summary>Lets go of what <see cref="GetTransport(VirtualRouterOptions)"/> made for that router alone, once the router is disposed; by default nothing.</summary>
    /// <param name="router">The options the router was made from.</param>
    void ReleaseTransport(VirtualRouterOptions router)
    {
    }
}
