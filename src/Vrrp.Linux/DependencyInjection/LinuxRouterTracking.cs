using Vrrp.Addressing;
using Vrrp.Linux.Announcements;
using Vrrp.Linux.Netlink;
using Vrrp.Protocol;

namespace Vrrp.Linux.DependencyInjection;

/// <summary>
/// What vrrpd does around each router, for every host and every reload: before it starts, removes the virtual
/// addresses a crashed run left behind (marked ours; a router that starts is not master); while it runs, tracks its
/// link and answers other MACs' announcements of its addresses; before it stops, lets go.
/// </summary>
internal sealed class LinuxRouterTracking(NetlinkAddressManager addresses, LinkMonitor links, AnnouncementListener announcements, LinuxTransportFactory transports, PacketSocketAnnouncer announcer)
    : IVirtualRouterLifecycle
{
    private readonly Dictionary<VirtualRouter, EventHandler<Vrrp.Notifications.StateChange>> _comingUp = [];

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

        // keepalived's try_up_instance: a unicast instance that comes up announces its own source address once. It comes
        // up from Fault, and at start only when an unweighted script had to report first (an interface's or a file's
        // state is known at once); an instance with none simply starts, without the announcement. Heard from before
        // the router starts: its first change is Initialize -> Backup.
        bool waitsForChecks = router.TrackedChecks.Any(static c => c.Weight == 0 && c.AwaitsFirstResult);
        EventHandler<Vrrp.Notifications.StateChange> comingUp = (_, change) =>
        {
            bool up = change.From == VrrpState.Fault || (change.From == VrrpState.Initialize && waitsForChecks);
            if (up && change.To is VrrpState.Backup or VrrpState.Master && router.UnicastPeers.Count > 0)
            {
                try
                {
                    announcer.AnnounceSource(router);
                }
                catch (ObjectDisposedException)
                {
                    // stopping: nothing to announce
                }
            }
        };
        lock (_comingUp)
        {
            _comingUp[router] = comingUp;
        }

        router.StateChanged += comingUp;
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
        lock (_comingUp)
        {
            if (_comingUp.Remove(router, out EventHandler<Vrrp.Notifications.StateChange>? comingUp))
            {
                router.StateChanged -= comingUp;
            }
        }
    }
}
