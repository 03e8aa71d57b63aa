using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vrrp;
using Vrrp.Addressing;
using Vrrp.DependencyInjection;
using Vrrp.Diagnostics;
using Vrrp.Notifications;
using Vrrp.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Vrrp in a host: <see cref="VrrpService"/> runs the routers of <see cref="VrrpOptions"/> with it.</summary>
public static class VrrpServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="VrrpService"/> as a hosted service and <see cref="VrrpOptions"/>, validated when the host
    /// starts, with the host's logging and metrics: every router logs its transitions, discards and failures under the
    /// category <c>Vrrp.Router</c> (event ids in the README) besides any <see cref="IVrrpNotifier"/> you register, and
    /// is reported on the <c>Vrrp</c> meter (<see cref="VrrpMetrics"/>, made by the host's <see cref="IMeterFactory"/>)
    /// while it runs. Calling it again adds nothing twice and returns a builder for the same registration.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>A builder to choose the transport and add routers.</returns>
    public static IVrrpBuilder AddVrrp(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(VrrpMarker)))
        {
            services.AddSingleton<VrrpMarker>();
            // Validated by VrrpService when it makes the routers (at the host's start at the latest), so that bad options
            // raise VrrpConfigurationException there as everywhere else, not the options framework's exception.
            services.AddOptions<VrrpOptions>();
            services.TryAddSingleton(sp => new VrrpMetrics(sp.GetService<IMeterFactory>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IVirtualRouterLifecycle, HostTelemetry>());
            services.TryAddSingleton(sp => new VrrpService(
                sp.GetRequiredService<IOptions<VrrpOptions>>().Value,
                sp.GetService<IVrrpTransportFactory>(),
                sp.GetService<IVirtualAddressManager>(),
                sp.GetService<IAddressAnnouncer>(),
                sp.GetService<TimeProvider>(),
                VrrpNotifiers.Combine(
                    sp.GetService<ILoggerFactory>() is { } loggers ? new VirtualRouterLogger(loggers.CreateLogger("Vrrp.Router"), sp.GetService<TimeProvider>()) : null,
                    sp.GetService<IVrrpNotifier>()),
                sp.GetService<VrrpActionRunner>(),
                sp.GetServices<IVirtualRouterLifecycle>(),
                sp.GetService<IOptionsMonitor<VrrpOptions>>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger("Vrrp.Service"),
                sp.GetServices<Vrrp.Health.IVrrpCheckFactory>()));
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<VrrpService>());
        }

        return new VrrpBuilder(services);
    }

    /// <summary>Registers Vrrp (see <see cref="AddVrrp(IServiceCollection)"/>) and configures its routers in code.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adds routers to <see cref="VrrpOptions.Routers"/>.</param>
    /// <returns>A builder to choose the transport.</returns>
    public static IVrrpBuilder AddVrrp(this IServiceCollection services, Action<VrrpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        IVrrpBuilder builder = services.AddVrrp();
        services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Registers Vrrp (see <see cref="AddVrrp(IServiceCollection)"/>) with the routers of a configuration section:
    /// <c>Routers</c>, a list whose entries carry <see cref="VirtualRouterOptions"/>' names (times as
    /// <c>hh:mm:ss.fff</c>). Read without reflection; a value that cannot be read or is out of range fails the
    /// host's start with its path and allowed range. When the configuration reloads (a changed appsettings.json with
    /// <c>reloadOnChange</c>), the running routers follow: priority, virtual addresses and unicast peers change in place;
    /// any other change restarts only the router concerned; an invalid change is refused and logged (event 7), and the
    /// routers run on as they were.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, such as <c>configuration.GetSection("Vrrp")</c>.</param>
    /// <returns>A builder to choose the transport.</returns>
    public static IVrrpBuilder AddVrrp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IVrrpBuilder builder = services.AddVrrp();
        services.Configure<VrrpOptions>(options => VrrpConfigurationReader.Read(configuration, options));
        services.AddSingleton<IOptionsChangeTokenSource<VrrpOptions>>(new ConfigurationChangeSource(configuration));
        return builder;
    }

    private sealed class VrrpMarker;

    // A reload of the configuration is a change of VrrpOptions: the running service follows it.
    private sealed class ConfigurationChangeSource(IConfiguration configuration) : IOptionsChangeTokenSource<VrrpOptions>
    {
        public string Name => Options.Options.DefaultName;

        public Primitives.IChangeToken GetChangeToken() => configuration.GetReloadToken();
    }

    private sealed class VrrpBuilder(IServiceCollection services) : IVrrpBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
