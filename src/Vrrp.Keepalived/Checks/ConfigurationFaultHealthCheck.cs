using Vrrp.Health;

namespace Vrrp.Keepalived.Checks;

/// <summary>
/// Always failing: keepalived's configuration faults (<c>num_config_faults</c>), which hold an instance in Fault for as
/// long as it runs with that configuration, such as <c>unicast_fault_no_peer</c> without a peer.
/// </summary>
internal sealed class ConfigurationFaultHealthCheck(string reason) : IVrrpHealthCheck
{
    private readonly VrrpCheckResult _fault = VrrpCheckResult.Failure(reason);

    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_fault);
}
