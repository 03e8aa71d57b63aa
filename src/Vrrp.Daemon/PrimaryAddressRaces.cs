using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Vrrp;
using Vrrp.Addressing;
using Vrrp.Keepalived;
using Vrrp.Keepalived.Plan;
using Vrrp.Packets;

namespace VrrpDaemon;

/// <summary>
/// Instances that do not share a fate (not one sync group) and put IPv4 addresses of one subnet on an interface with
/// no address of its own there: the kernel makes the first address of the subnet primary, and the subnet's route takes
/// it as its source (<c>prefsrc</c>), so both follow whichever instance becomes master first. That order is a race,
/// under keepalived as under vrrpd (keepalived's own runs differ from one to the next), so it is said at start.
/// </summary>
internal static class PrimaryAddressRaces
{
    /// <summary>Finds each such subnet and says so, at the line of the first instance of a second fate.</summary>
    /// <param name="configuration">The file as read: where each instance is.</param>
    /// <param name="plan">The routers as they run: where each address goes.</param>
    /// <param name="hasOwnAddress">Whether an interface holds an address of the host's own (not vrrpd's) in a subnet.</param>
    public static IEnumerable<string> Find(KeepalivedConfiguration configuration, KeepalivedPlan plan, Func<string, VirtualAddress, bool> hasOwnAddress)
    {
        // (interface, network, prefix length) -> the fates (sync group or lone instance) in file order, with their first instance
        var subnets = new Dictionary<(string Device, uint Network, int PrefixLength), List<(string Fate, string Instance)>>();
        foreach (KeepalivedRouterPlan router in plan.Routers)
        {
            string fate = plan.SyncGroups.FirstOrDefault(g => g.Members.Contains(router.Name))?.Name ?? router.Name;
            string home = router.Options.UseVirtualMac && router.Options.VirtualMacInterface is { } vmac ? vmac : router.Options.Interface;
            foreach (string entry in router.Options.VirtualAddresses)
            {
                if (!AddressPlacement.TryParse(entry, out VirtualAddress address, out AddressPlacement placement, out _)
                    || address.Address.Family != AddressFamily.InterNetwork || address.PrefixLength == 32)
                {
                    continue; // an IPv6 address has no primary; a /32 is a subnet of one
                }

                var key = (placement.Device ?? home, Network(address), (int)address.PrefixLength);
                if (!subnets.TryGetValue(key, out var fates))
                {
                    subnets[key] = fates = [];
                }

                if (!fates.Exists(f => f.Fate == fate))
                {
                    fates.Add((fate, router.Name));
                }
            }
        }

        foreach (((string device, uint network, int prefixLength), var fates) in subnets)
        {
            var subnet = new VirtualAddress(PackedIPAddress.FromBytes([(byte)(network >> 24), (byte)(network >> 16), (byte)(network >> 8), (byte)network]), (byte)prefixLength);
            if (fates.Count < 2 || hasOwnAddress(device, subnet))
            {
                continue;
            }

            KeepalivedInstance second = configuration.Instances.First(i => i.Name == fates[1].Instance);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{second.Source}: {string.Join(" and ", fates.Select(f => f.Fate))} (not one sync group) put addresses of {subnet} on {device}, which has no address of its own there: the first to become master holds the primary address, the subnet route's source (prefsrc); which is first is a race, under keepalived too. An address of the host's own in the subnet, or one sync group, makes it fixed");
        }
    }

    private static uint Network(VirtualAddress address) => Network(address.Address.ToIPAddress(), address.PrefixLength);

    private static uint Network(IPAddress address, int prefixLength)
    {
        uint value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        return prefixLength == 0 ? 0 : value & (uint.MaxValue << (32 - prefixLength));
    }
}
