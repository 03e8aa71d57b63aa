using Vrrp.Addressing;
using Vrrp.Linux.Announcements;
using Vrrp.Linux.Netlink;

namespace Vrrp.Linux.DependencyInjection;

/// <summary>
/// What vrrpd does around each router, for every host and every reload: before it starts, removes the virtual
/// addresses a crashed run left behind (marked ours; a router that starts is not master); while it runs, tracks its
/// link and answers other MACs' announcements of its addresses; before it stops, lets go.
/// </summary>
internal sealed class LinuxRouterTracking(NetlinkAddressManager addresses, LinkMonitor links, AnnouncementListener announcements, LinuxTransportFactory transports)
    : IVirtualRouterLifecycle
{
    public void OnStarting(VirtualRouter router)
    {
        foreach (VirtualAddress address in router.HeldAddresses)
        {
            addresses.Remove(router.PlacementOf(address).Device ?? router.Interface, address);
        }

        if (router.VirtualRoutes.Count + router.VirtualRules.Count > 0)
        {
            addresses.RemoveLeftoverRoutes(router);
        }
    }

    public void OnStarted(VirtualRouter router)
    {
        int index = transports.TrackedIndexOf(router.Interface);
        if (router.TracksInterface)
        {
            links.Track(index, router);
        }
        announcements.Watch(index, router);
    }

    public void OnStopping(VirtualRouter router)
    {
        links.Untrack(router);
        announcements.Unwatch(router);
    }
}
