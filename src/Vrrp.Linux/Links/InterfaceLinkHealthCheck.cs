using Vrrp.Health;
using Vrrp.Linux.Netlink;

namespace Vrrp.Linux.Links;

/// <summary>
/// Healthy while a named interface is up and running (IFF_UP and IFF_RUNNING, as keepalived reads them from netlink):
/// keepalived's <c>track_interface</c>. A missing interface is down. Made by
/// <see cref="LinkMonitor.CreateInterfaceCheck"/>, which keeps its state from netlink events: a run reads that state,
/// does no I/O and allocates nothing.
/// </summary>
public sealed class InterfaceLinkHealthCheck : IVrrpHealthCheck, IDisposable
{
    private readonly LinkMonitor _monitor;
    private readonly VrrpCheckResult _up;
    private readonly VrrpCheckResult _down;
    private readonly VrrpCheckResult _missing;
    private int _state; // a LinkState: Missing until the monitor says otherwise

    internal InterfaceLinkHealthCheck(LinkMonitor monitor, string interfaceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interfaceName);
        if (interfaceName.Contains('/', StringComparison.Ordinal) || interfaceName is "." or ".." || interfaceName.Length > 15)
        {
            throw new ArgumentException($"'{interfaceName}' is not an interface name.", nameof(interfaceName));
        }

        _monitor = monitor;
        InterfaceName = interfaceName;

        // Made once: an event only picks one.
        _up = VrrpCheckResult.Success($"{interfaceName} is up");
        _down = VrrpCheckResult.Failure($"{interfaceName} is down or has no carrier");
        _missing = VrrpCheckResult.Failure($"no interface {interfaceName}");
    }

    /// <summary>Gets the interface name.</summary>
    public string InterfaceName { get; }

    /// <inheritdoc/>
    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult((LinkState)Volatile.Read(ref _state) switch
        {
            LinkState.Up => _up,
            LinkState.Down => _down,
            _ => _missing,
        });
    }

    /// <summary>
    /// Raised when the interface comes up after being down or missing: the moment keepalived puts back what the kernel
    /// took away with the link (a static route through it). Raised on the link monitor's thread, under its lock: a
    /// handler must only hand the work on.
    /// </summary>
    public event EventHandler? CameUp;

    /// <summary>Stops following the interface.</summary>
    public void Dispose() => _monitor.Forget(this);

    internal void Set(LinkState state)
    {
        if (Interlocked.Exchange(ref _state, (int)state) != (int)LinkState.Up && state == LinkState.Up)
        {
            CameUp?.Invoke(this, EventArgs.Empty);
        }
    }
}

/// <summary>What the monitor knows of a named interface.</summary>
internal enum LinkState
{
    Missing,
    Down,
    Up,
}
