using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Vrrp.Health;

/// <summary>
/// Runs a <c>Microsoft.Extensions.Diagnostics.HealthChecks</c> <see cref="IHealthCheck"/> as a VRRP check, so the
/// checks an application already has move its priority: <see cref="HealthStatus.Healthy"/> is healthy,
/// <see cref="HealthStatus.Unhealthy"/> failing, and <see cref="HealthStatus.Degraded"/> as
/// <see cref="DegradedIsHealthy"/> says.
/// </summary>
public sealed class HealthCheckAdapter : IVrrpHealthCheck
{
    private readonly IHealthCheck _check;
    private readonly HealthCheckRegistration _registration;

    /// <summary>Initializes an adapter.</summary>
    /// <param name="name">The name the check sees in its <see cref="HealthCheckContext.Registration"/>.</param>
    /// <param name="check">The check.</param>
    public HealthCheckAdapter(string name, IHealthCheck check)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(check);
        _check = check;
        _registration = new HealthCheckRegistration(name, check, HealthStatus.Unhealthy, tags: null);
    }

    /// <summary>Gets a value indicating whether <see cref="HealthStatus.Degraded"/> counts as healthy. Default on: a degraded service still serves, so it keeps its priority.</summary>
    public bool DegradedIsHealthy { get; init; } = true;

    /// <inheritdoc/>
    public async ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var context = new HealthCheckContext { Registration = _registration };
        HealthCheckResult result = await _check.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
        bool healthy = result.Status switch
        {
            HealthStatus.Healthy => true,
            HealthStatus.Degraded => DegradedIsHealthy,
            _ => false,
        };
        string description = result.Description ?? result.Exception?.Message ?? result.Status.ToString();
        return healthy ? VrrpCheckResult.Success(description) : VrrpCheckResult.Failure(description);
    }
}
