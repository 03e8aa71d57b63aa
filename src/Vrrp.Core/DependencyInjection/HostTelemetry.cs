using Vrrp.Diagnostics;

namespace Vrrp.DependencyInjection;

/// <summary>Reports every router the service runs on the host's "Vrrp" meter, from before it starts until it stops.</summary>
internal sealed class HostTelemetry(VrrpMetrics metrics) : IVirtualRouterLifecycle
{
    public void OnStarting(VirtualRouter router) => metrics.Track(router);

    public void OnStarted(VirtualRouter router)
    {
    }

    public void OnStopping(VirtualRouter router) => metrics.Untrack(router);
}
