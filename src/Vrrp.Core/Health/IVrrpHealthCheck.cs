namespace Vrrp.Health;

/// <summary>
/// A check a <see cref="ScheduledHealthCheck"/> runs every interval, as keepalived runs a <c>vrrp_script</c>: its
/// result moves the priority of the routers that track it.
/// </summary>
/// <remarks>
/// A check should honour the cancellation token of <see cref="CheckAsync"/>: it is cancelled when the run's timeout passes (the run
/// has then already counted as a failure) and when the scheduler stops. A check that throws counts as a failure.
/// </remarks>
public interface IVrrpHealthCheck
{
    /// <summary>Runs the check once.</summary>
    /// <param name="cancellationToken">Cancelled at the run's timeout or when the scheduler stops.</param>
    /// <returns>The result.</returns>
    ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken);
}
