using System.Net;
using System.Net.NetworkInformation;

namespace Vrrp.Health;

/// <summary>
/// Healthy when a host answers an ICMP echo: keepalived users ping their gateway from a script so that a node cut off
/// from it stops claiming to be master (a guard against split brain).
/// </summary>
/// <remarks>
/// Uses <see cref="Ping"/>: raw ICMP sockets with the privilege for them, else the system's <c>ping</c> program. The
/// echo's own timeout is a wait in the operating system; keep it below the scheduler's timeout, which cancels the run
/// whatever it waits for.
/// </remarks>
public sealed class PingHealthCheck : IVrrpHealthCheck
{
    private static readonly byte[] s_payload = new byte[32];

    /// <summary>Initializes a check of an address.</summary>
    /// <param name="address">The address to ping, often the default gateway.</param>
    public PingHealthCheck(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
    }

    /// <summary>Gets the address pinged.</summary>
    public IPAddress Address { get; }

    /// <summary>Gets how long one echo waits for its reply, 1 ms to 60 s. Default 1 s.</summary>
    public TimeSpan EchoTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    public async ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        TimeSpan timeout = EchoTimeout < TimeSpan.FromMilliseconds(1) || EchoTimeout > TimeSpan.FromSeconds(60) ? TimeSpan.FromSeconds(1) : EchoTimeout;
        using var ping = new Ping();
        try
        {
            PingReply reply = await ping.SendPingAsync(Address, timeout, s_payload, null, cancellationToken).ConfigureAwait(false);
            return reply.Status == IPStatus.Success
                ? VrrpCheckResult.Success($"echo reply from {Address}")
                : VrrpCheckResult.Failure($"no echo reply from {Address}: {reply.Status}");
        }
        catch (PingException exception)
        {
            return VrrpCheckResult.Failure($"cannot ping {Address}: {exception.InnerException?.Message ?? exception.Message}");
        }
    }
}
