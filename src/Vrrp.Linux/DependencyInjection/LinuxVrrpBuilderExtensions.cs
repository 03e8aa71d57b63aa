using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vrrp;
using Vrrp.Addressing;
using Vrrp.Linux.Announcements;
using Vrrp.Linux.DependencyInjection;
using Vrrp.Linux.Firewall;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Timing;
using Vrrp.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs a host's routers on real Linux interfaces, as vrrpd does.</summary>
[SupportedOSPlatform("linux")]
public static class LinuxVrrpBuilderExtensions
{
    /// <summary>
    /// Uses raw-socket transports (one per interface and family), the netlink address manager, gratuitous ARP and
    /// unsolicited NA over <c>AF_PACKET</c>, an ARP listener (a master answers another MAC's announcement of its
    /// addresses), link tracking by netlink events (link down: Fault), virtual MAC mode
    /// (<see cref="Vrrp.VirtualRouterOptions.UseVirtualMac"/>: a macvlan per router, made and removed with it, its
    /// multicast reports sent from its parent by <see cref="VirtualMacReportFilter"/> when nftables is installed) and,
    /// unless a <see cref="TimeProvider"/> is registered, the <see cref="PreciseTimeProvider"/>. Before each router
    /// starts, also on a reload, the virtual addresses a crashed run left on its interface (marked ours) are removed.
    /// Needs root, or CAP_NET_RAW and CAP_NET_ADMIN.
    /// </summary>
    /// <param name="builder">The builder <c>AddVrrp()</c> returned.</param>
    /// <returns>The builder.</returns>
    public static IVrrpBuilder UseLinux(this IVrrpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.TryAddSingleton<LinuxTransportFactory>();
        services.Replace(ServiceDescriptor.Singleton<IVrrpTransportFactory>(sp => sp.GetRequiredService<LinuxTransportFactory>()));
        services.TryAddSingleton<NetlinkAddressManager>();
        services.Replace(ServiceDescriptor.Singleton<IVirtualAddressManager>(sp => sp.GetRequiredService<NetlinkAddressManager>()));
        services.TryAddSingleton(sp => new PacketSocketAnnouncer(sp.GetRequiredService<LinuxTransportFactory>().Resolve));
        services.Replace(ServiceDescriptor.Singleton<IAddressAnnouncer>(sp => sp.GetRequiredService<PacketSocketAnnouncer>()));
        services.TryAddSingleton(static _ => new MacvlanManager { ReportFilter = VirtualMacReportFilter.IsInstalled ? new VirtualMacReportFilter() : null });
        services.TryAddSingleton<LinkMonitor>();
        services.TryAddSingleton<AnnouncementListener>();
        services.TryAddSingleton<TimeProvider, PreciseTimeProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVirtualRouterLifecycle, LinuxRouterTracking>());
        return builder;
    }
}
