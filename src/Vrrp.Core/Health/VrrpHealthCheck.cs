using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vrrp.Protocol;

namespace Vrrp.Health;

/// <summary>
/// Reports the host's routers to <c>Microsoft.Extensions.Diagnostics.HealthChecks</c> (an ASP.NET Core
/// <c>/health</c> endpoint, say): each router's state in the result's data, and the worst of their healths, as
/// <see cref="VrrpHealthCheckOptions"/> maps them, as the status. Register it with <c>AddHealthChecks().AddVrrp()</c>.
/// </summary>
public sealed class VrrpHealthCheck : IHealthCheck
{
    private readonly VrrpService _service;
    private readonly IOptionsMonitor<VrrpHealthCheckOptions> _options;

    /// <summary>Initializes the check.</summary>
    /// <param name="service">The host's routers.</param>
    /// <param name="options">The mapping of states to health, by the registration's name.</param>
    public VrrpHealthCheck(VrrpService service, IOptionsMonitor<VrrpHealthCheckOptions> options)
    {
        _service = service;
        _options = options;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        VrrpHealthCheckOptions options = _options.Get(context.Registration.Name);
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        HealthStatus worst = HealthStatus.Healthy;
        var described = new List<string>();
        foreach (VirtualRouter router in _service.Routers)
        {
            if (options.Routers.Count > 0 && !options.Routers.Contains(router.Name))
            {
                continue;
            }

            VrrpState state = router.State;
            HealthStatus health = options.Of(state);
            data[router.Name] = state.ToString();
            described.Add($"{router.Name} {state}");
            if (health < worst)
            {
                worst = health; // Unhealthy < Degraded < Healthy
            }
        }

        foreach (string missing in options.Routers.Where(name => !data.ContainsKey(name)))
        {
            data[missing] = "absent";
            described.Add($"{missing} absent");
            worst = HealthStatus.Unhealthy;
        }

        string description = described.Count == 0 ? "no router" : string.Join(", ", described);
        return Task.FromResult(new HealthCheckResult(worst, description, data: data));
    }
}
