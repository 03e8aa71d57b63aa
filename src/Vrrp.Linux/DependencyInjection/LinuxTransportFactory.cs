using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Vrrp.Addressing;
using Vrrp.Linux.Interop;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Linux.DependencyInjection;

/// <summary>
/// Opens one raw-socket transport per interface and family, as vrrpd does, and, for a router in virtual MAC mode, a
/// macvlan of its own with a transport on it; closes them (and removes the macvlans) when released or disposed.
/// </summary>
internal sealed class LinuxTransportFactory : IVrrpTransportFactory, IDisposable
{
    private readonly object _gate = new();
    private readonly VrrpOptions _options;
    private readonly MacvlanManager _macvlans;
    private readonly NetlinkAddressManager _addresses;
    // Read without _gate by Resolve (the announcer's, on every failover), which must not wait behind a macvlan being made
    // (its nftables run); written under _gate.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LinuxInterface> _interfaces = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Interface, AddressFamily Family), IVrrpTransport> _transports = [];
    private readonly Dictionary<string, (IVrrpTransport Transport, LinuxInterface Parent)> _dedicated = new(StringComparer.Ordinal);
    private readonly HashSet<PackedIPAddress> _excluded = [];

    public LinuxTransportFactory(IOptions<VrrpOptions> options, MacvlanManager macvlans, NetlinkAddressManager addresses)
    {
        _options = options.Value;
        _macvlans = macvlans;
        _addresses = addresses;
        try
        {
            // Before any router: a crashed run's parent settings must not outlive it when no router uses a virtual MAC.
            _macvlans.RestoreSettingsLeftBehind();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Without CAP_NET_ADMIN no run could have changed them; an unreadable record is left for the next run.
        }
    }

    public IVrrpTransport GetTransport(string interfaceName, AddressFamily family)
    {
        lock (_gate)
        {
            if (!_transports.TryGetValue((interfaceName, family), out IVrrpTransport? transport))
            {
                transport = Open(Find(interfaceName), family);
                _transports[(interfaceName, family)] = transport;
            }

            return transport;
        }
    }

    // Virtual MAC mode (keepalived's use_vmac): the router gets a macvlan of its own with the virtual router MAC. Its
    // addresses live there and its adverts and announcements leave from there, so their source MAC is the virtual MAC;
    // it also receives there, because a private macvlan takes the frames whose source MAC is its own (a peer's adverts
    // in virtual MAC mode) away from the parent. The adverts keep the parent's primary IPv4 as source address.
    public IVrrpTransport GetTransport(VirtualRouterOptions router)
    {
        ArgumentNullException.ThrowIfNull(router);
        AddressFamily family = router.GetAddressFamily();
        lock (_gate)
        {
            // Routers may come by reload rather than in VrrpOptions (vrrpd's all do): their addresses must not be taken
            // for an interface's primary either.
            foreach (string text in router.VirtualAddresses.Concat(router.ExcludedAddresses))
            {
                if (AddressPlacement.TryParse(text, out VirtualAddress address, out _, out _))
                {
                    _excluded.Add(address.Address);
                }
            }
        }

        if (!router.UseVirtualMac)
        {
            return GetTransport(router.Interface, family);
        }

        string link = LinkOf(router, family);
        lock (_gate)
        {
            LinuxInterface parent = Find(router.Interface);

            // What a crashed run in either mode left on the parent: this router must not hold it there.
            foreach (string text in router.VirtualAddresses.Concat(router.ExcludedAddresses))
            {
                if (AddressPlacement.TryParse(text, out VirtualAddress address, out _, out _))
                {
                    _addresses.Remove(parent.Name, address);
                }
            }

            LinuxInterface macvlan = _macvlans.Create(link, parent, family, (byte)router.VirtualRouterId);
            IVrrpTransport transport;
            try
            {
                transport = router.VirtualMacTransmitOnParent
                    ? new ParentInterfaceTransport(GetTransport(parent.Name, family), link)
                    : Open(macvlan, family, dedicated: true);
            }
            catch
            {
                _macvlans.Remove(link);
                throw;
            }

            _interfaces[link] = macvlan;
            _dedicated[link] = (transport, parent);
            return transport;
        }
    }

    public void ReleaseTransport(VirtualRouterOptions router)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (!router.UseVirtualMac)
        {
            return;
        }

        lock (_gate)
        {
            ReleaseDedicated(LinkOf(router, router.GetAddressFamily()));
        }
    }

    /// <summary>Finds an interface's index and IPv6 link-local address, for the announcer.</summary>
    public (int Index, PackedIPAddress LinkLocal) Resolve(string interfaceName) =>
        _interfaces.TryGetValue(interfaceName, out LinuxInterface? found) ? (found.Index, found.IPv6LinkLocal) : (0, default);

    /// <summary>
    /// The interface whose link and ARP traffic a router's state follows: its own, or for a router's macvlan the
    /// parent's (a macvlan goes down with its parent, and the parent sees every frame).
    /// </summary>
    public int TrackedIndexOf(string interfaceName)
    {
        lock (_gate)
        {
            return _dedicated.TryGetValue(interfaceName, out var dedicated) ? dedicated.Parent.Index : Find(interfaceName).Index;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (string link in _dedicated.Keys.ToList())
            {
                ReleaseDedicated(link);
            }

            foreach (IVrrpTransport transport in _transports.Values)
            {
                (transport as IDisposable)?.Dispose();
            }

            _transports.Clear();
        }
    }

    private static string LinkOf(VirtualRouterOptions router, AddressFamily family) =>
        router.VirtualMacInterface ?? MacvlanManager.DefaultName(family, (byte)router.VirtualRouterId);

    private static IVrrpTransport Open(LinuxInterface networkInterface, AddressFamily family, bool dedicated = false)
    {
        string? own = dedicated ? networkInterface.Name : null;
        if (family == AddressFamily.InterNetworkV6)
        {
            RawIPv6Transport v6 = RawIPv6Transport.Open(networkInterface);
            v6.DedicatedInterface = own;
            return v6;
        }

        RawIPv4Transport v4 = RawIPv4Transport.Open(networkInterface);
        v4.DedicatedInterface = own;
        return v4;
    }

    private void ReleaseDedicated(string link)
    {
        if (_dedicated.Remove(link, out var dedicated))
        {
            (dedicated.Transport as IDisposable)?.Dispose();
            _interfaces.TryRemove(link, out _);
            _macvlans.Remove(link);
        }
    }

    private LinuxInterface Find(string interfaceName)
    {
        if (!_interfaces.TryGetValue(interfaceName, out LinuxInterface? found))
        {
            // An address of ours (a crashed run's, marked) or a configured virtual address must never be taken as the
            // interface's primary address: adverts would leave from an address that moves with mastership.
            var excluded = new List<PackedIPAddress>(_excluded);
            int index = InterfaceIndex.Of(interfaceName);
            if (index > 0)
            {
                _addresses.ListOurs(index, excluded);
            }

            foreach (VirtualRouterOptions router in _options.Routers)
            {
                foreach (string text in router.VirtualAddresses.Concat(router.ExcludedAddresses))
                {
                    if (AddressPlacement.TryParse(text, out VirtualAddress address, out _, out _))
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
