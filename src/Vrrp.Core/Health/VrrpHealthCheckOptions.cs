using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vrrp.Protocol;

namespace Vrrp.Health;

/// <summary>How <see cref="VrrpHealthCheck"/> reads each router's state as health.</summary>
public sealed class VrrpHealthCheckOptions
{
    /// <summary>Gets or sets the health of a master. Default <see cref="HealthStatus.Healthy"/>.</summary>
    public HealthStatus Master { get; set; } = HealthStatus.Healthy;

    /// <summary>
    /// Gets or sets the health of a backup. Default <see cref="HealthStatus.Degraded"/>: up and ready to take over, but
    /// not holding the addresses. Set <see cref="HealthStatus.Healthy"/> when a backup is as good as a master for you,
    /// or <see cref="HealthStatus.Unhealthy"/> to have a load balancer send traffic to the master alone.
    /// </summary>
    public HealthStatus Backup { get; set; } = HealthStatus.Degraded;

    /// <summary>Gets or sets the health of a router in Fault (a tracked check or its interface down). Default <see cref="HealthStatus.Unhealthy"/>.</summary>
    public HealthStatus Fault { get; set; } = HealthStatus.Unhealthy;

    /// <summary>Gets or sets the health of a router not running (Initialize, Stopped). Default <see cref="HealthStatus.Unhealthy"/>.</summary>
    public HealthStatus NotRunning { get; set; } = HealthStatus.Unhealthy;

    /// <summary>Gets the routers reported, by name; empty for every router of the host.</summary>
    public IList<string> Routers { get; } = new List<string>();

    internal HealthStatus Of(VrrpState state) => state switch
    {
        VrrpState.Master => Master,
        VrrpState.Backup => Backup,
        VrrpState.Fault => Fault,
        _ => NotRunning,
    };
}
