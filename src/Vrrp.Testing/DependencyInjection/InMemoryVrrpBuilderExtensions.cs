using Microsoft.Extensions.DependencyInjection.Extensions;
using Vrrp.Addressing;
using Vrrp.Testing;
using Vrrp.Testing.DependencyInjection;
using Vrrp.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs a host's routers on an <see cref="InMemoryNetwork"/>: no root, no sockets, and with a <see cref="VirtualClock"/> no waiting.</summary>
public static class InMemoryVrrpBuilderExtensions
{
    /// <summary>
    /// Puts the host's routers on <paramref name="network"/>: each <see cref="Vrrp.VirtualRouterOptions.Interface"/>
    /// names a host of the network (added when missing), a <see cref="FakeAddressManager"/> records the addresses and
    /// announcements, the network's clock becomes the host's <see cref="TimeProvider"/> unless one is registered, and
    /// the routers' actions run inline (<see cref="InlineActionRunner"/>) unless another runner is registered.
    /// </summary>
    /// <param name="builder">The builder <c>AddVrrp()</c> returned.</param>
    /// <param name="network">The network; the caller owns it.</param>
    /// <returns>The builder.</returns>
    public static IVrrpBuilder UseInMemoryNetwork(this IVrrpBuilder builder, InMemoryNetwork network)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(network);
        IServiceCollection services = builder.Services;
        services.Replace(ServiceDescriptor.Singleton<IVrrpTransportFactory>(new InMemoryTransportFactory(network)));
        services.TryAddSingleton(network.TimeProvider);
        services.TryAddSingleton<Vrrp.VrrpActionRunner>(InlineActionRunner.Instance);
        services.TryAddSingleton(sp => new FakeAddressManager(sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IVirtualAddressManager>(sp => sp.GetRequiredService<FakeAddressManager>());
        services.TryAddSingleton<IAddressAnnouncer>(sp => sp.GetRequiredService<FakeAddressManager>());
        return builder;
    }
}
