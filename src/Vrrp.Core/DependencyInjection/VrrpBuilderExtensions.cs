using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vrrp;
using Vrrp.DependencyInjection;
using Vrrp.Election;
using Vrrp.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds routers, leader elections and the UDP transport to a Vrrp registration.</summary>
public static class VrrpBuilderExtensions
{
    /// <summary>Adds a router configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the router's options.</param>
    /// <returns>The builder.</returns>
    public static IVrrpBuilder AddRouter(this IVrrpBuilder builder, Action<VirtualRouterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<VrrpOptions>(options =>
        {
            var router = new VirtualRouterOptions();
            configure(router);
            options.Routers.Add(router);
        });
        return builder;
    }

    /// <summary>
    /// Carries advertisements in UDP between listed peers, without root (see <see cref="UdpTransport"/>): for leader
    /// election among nodes of this library; not wire-compatible with keepalived.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets this node's address, the port and the peers.</param>
    /// <returns>The builder.</returns>
    public static IVrrpBuilder UseUdp(this IVrrpBuilder builder, Action<UdpTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<UdpTransportOptions>().Configure(configure); // UdpTransport.Open validates: VrrpConfigurationException
        builder.Services.Replace(ServiceDescriptor.Singleton<IVrrpTransportFactory, UdpTransportFactory>());
        return builder;
    }

    /// <summary>
    /// Carries advertisements in UDP between listed peers, configured from a section such as <c>Vrrp:Udp</c>:
    /// <c>LocalAddress</c>, <c>Port</c>, <c>Peers</c> (a list), <c>Key</c> (keep it in a secret store or an environment
    /// variable, not in appsettings.json) and <c>AllowUnauthenticated</c>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section.</param>
    /// <returns>The builder.</returns>
    /// <remarks>A key that is not a setting, or a value that cannot be read, fails the start with its path.</remarks>
    public static IVrrpBuilder UseUdp(this IVrrpBuilder builder, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return builder.UseUdp(options =>
        {
            List<string> errors = VrrpConfigurationReader.ReadUdp(configuration, options);
            if (errors.Count > 0)
            {
                throw new VrrpConfigurationException(errors);
            }
        });
    }

    /// <summary>
    /// Registers the election named <paramref name="routerName"/> on the router of that name: inject
    /// <see cref="ILeaderElection"/> where work must run on one node only (keyed by the name when the host has several
    /// elections). A router for election alone needs no virtual address. The same as
    /// <c>Services.AddLeaderElection(routerName).UseVrrp(routerName)</c>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="routerName">The router's <see cref="VirtualRouterOptions.Name"/>, and the election's name.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">An election of that name is registered already.</exception>
    public static IVrrpBuilder AddLeaderElection(this IVrrpBuilder builder, string routerName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(routerName);
        builder.Services.AddLeaderElection(routerName).UseVrrp(routerName);
        return builder;
    }

    /// <summary>
    /// Runs the election on the router named <paramref name="routerName"/> (registered with <c>AddVrrp()</c>): the node
    /// leads while the router is master (see <see cref="VrrpLeaderElection"/> for its tokens and resignation).
    /// </summary>
    /// <param name="builder">The election's builder, from <c>AddLeaderElection(name)</c>.</param>
    /// <param name="routerName">The router's <see cref="VirtualRouterOptions.Name"/>.</param>
    /// <returns>The builder.</returns>
    public static ILeaderElectionBuilder UseVrrp(this ILeaderElectionBuilder builder, string routerName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(routerName);
        return builder.UseBackend(sp => new VrrpLeaderElection(sp.GetRequiredService<VrrpService>().GetRouter(routerName), sp.GetService<TimeProvider>()));
    }
}
