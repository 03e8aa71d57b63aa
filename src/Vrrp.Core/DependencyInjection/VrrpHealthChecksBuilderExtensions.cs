using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vrrp.Health;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Reports the host's routers to its health checks.</summary>
public static class VrrpHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="VrrpHealthCheck"/>: the worst health of the host's routers (or of those named in
    /// <see cref="VrrpHealthCheckOptions.Routers"/>), each router's state in the data. By default a master is
    /// Healthy, a backup Degraded, a router in Fault or not running Unhealthy.
    /// </summary>
    /// <param name="builder">The builder <c>AddHealthChecks()</c> returned.</param>
    /// <param name="configure">Changes the mapping of states to health, or the routers reported.</param>
    /// <param name="name">The check's name. Default <c>vrrp</c>.</param>
    /// <param name="tags">Tags to filter the check by, as in <c>MapHealthChecks(..., new() { Predicate = ... })</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddVrrp(this IHealthChecksBuilder builder, Action<VrrpHealthCheckOptions>? configure = null, string name = "vrrp", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configure is not null)
        {
            builder.Services.Configure(name, configure);
        }

        return builder.Add(new HealthCheckRegistration(
            name,
            sp => ActivatorUtilities.CreateInstance<VrrpHealthCheck>(sp),
            failureStatus: null,
            tags));
    }

    /// <summary>
    /// Adds the host's health checks (<c>AddHealthChecks()</c>) with <see cref="VrrpHealthCheck"/> among them: see
    /// <see cref="AddVrrp(IHealthChecksBuilder, Action{VrrpHealthCheckOptions}?, string, IEnumerable{string}?)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the mapping of states to health, or the routers reported.</param>
    /// <returns>The health checks builder, to add more.</returns>
    public static IHealthChecksBuilder AddVrrpHealthChecks(this IServiceCollection services, Action<VrrpHealthCheckOptions>? configure = null) =>
        services.AddHealthChecks().AddVrrp(configure);
}
