using System.Net.NetworkInformation;
using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Linux.Sockets;

/// <summary>What VRRP needs to know of a network interface: its index, MAC, primary IPv4 and link-local IPv6 addresses.</summary>
public sealed class LinuxInterface
{
    private LinuxInterface(string name, int index, MacAddress mac, PackedIPAddress ipv4, PackedIPAddress ipv6LinkLocal)
    {
        Name = name;
        Index = index;
        Mac = mac;
        PrimaryIPv4 = ipv4;
        IPv6LinkLocal = ipv6LinkLocal;
    }

    /// <summary>Gets the interface name.</summary>
    public string Name { get; }

    /// <summary>Gets the interface index.</summary>
    public int Index { get; }

    /// <summary>Gets the interface MAC.</summary>
    public MacAddress Mac { get; }

    /// <summary>Gets the first IPv4 address of the interface (its primary), or the default value when it has none.</summary>
    public PackedIPAddress PrimaryIPv4 { get; }

    /// <summary>Gets the IPv6 link-local address, or the default value when it has none.</summary>
    public PackedIPAddress IPv6LinkLocal { get; }

    /// <summary>Looks an interface up by name in the process's network namespace.</summary>
    /// <param name="name">The name, e.g. <c>lab0</c>.</param>
    /// <param name="excludedAddresses">Addresses not to take as the primary (the virtual addresses, which a previous run may have left).</param>
    /// <returns>The interface.</returns>
    /// <exception cref="VrrpConfigurationException">No such interface.</exception>
    public static LinuxInterface Find(string name, IReadOnlyCollection<PackedIPAddress>? excludedAddresses = null)
    {
        NetworkInterface? nic = Array.Find(NetworkInterface.GetAllNetworkInterfaces(), n => n.Name == name)
            ?? throw new VrrpConfigurationException([$"Interface must name an interface of this host; '{name}' does not exist."]);
        IPInterfaceProperties properties = nic.GetIPProperties();
        PackedIPAddress ipv4 = default;
        PackedIPAddress ipv6 = default;
        foreach (UnicastIPAddressInformation unicast in properties.UnicastAddresses)
        {
            PackedIPAddress address = PackedIPAddress.FromIPAddress(unicast.Address);
            if (excludedAddresses?.Contains(address) == true)
            {
                continue;
            }

            if (address.Family == AddressFamily.InterNetwork && ipv4.Length == 0)
            {
                ipv4 = address;
            }
            else if (address.IsIPv6LinkLocal && ipv6.Length == 0)
            {
                ipv6 = address;
            }
        }

        byte[] mac = nic.GetPhysicalAddress().GetAddressBytes();
        return new LinuxInterface(name, properties.GetIPv4Properties()?.Index ?? properties.GetIPv6Properties().Index, mac.Length == 6 ? MacAddress.FromBytes(mac) : default, ipv4, ipv6);
    }

    /// <summary>Describes an interface whose addresses the caller chose, e.g. a macvlan that sends from its parent's IPv4.</summary>
    internal static LinuxInterface Create(string name, int index, MacAddress mac, PackedIPAddress ipv4, PackedIPAddress ipv6LinkLocal) =>
        new(name, index, mac, ipv4, ipv6LinkLocal);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (index {Index}, {Mac}, {PrimaryIPv4}, {IPv6LinkLocal})";
}
