using Microsoft.Extensions.Hosting;
using Vrrp.Addressing;
using Vrrp.Linux.Announcements;
using Vrrp.Linux.Netlink;

namespace Vrrp.Linux.DependencyInjection;

/// <summary>
/// What vrrpd does around its routers, for a host: before any router starts, removes virtual addresses a crashed run
/// left behind (a router that starts is not master); once they run, tracks their links; before they stop, lets go.
/// </summary>
internal sealed class LinuxRouterTracking(VrrpService service, NetlinkAddressManager addresses, LinkMonitor links, AnnouncementListener announcements, LinuxTransportFactory transports)
    : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (VirtualRouter router in service.Routers)
        {
            foreach (VirtualAddress address in router.VirtualAddresses)
            {
                addresses.Remove(router.Interface, address);
            }
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        foreach (VirtualRouter router in service.Routers)
        {
            int index = transports.IndexOf(router.Interface);
            links.Track(index, router);
            announcements.Watch(index, router);
        }

        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        foreach (VirtualRouter router in service.Routers)
        {
            links.Untrack(router);
            announcements.Unwatch(router);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
