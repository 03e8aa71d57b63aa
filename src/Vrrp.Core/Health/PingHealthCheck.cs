using System.Net;
using System.Net.NetworkInformation;

namespace Vrrp.Health;

/// <summary>
/// Healthy when a host answers an ICMP echo: keepalived users ping their gateway from a script so that a node cut off
/// from it stops claiming to be master (a guard against split brain).
/// </summary>
/// <remarks>
/// Uses <see cref="Ping"/>: raw ICMP sockets with the privilege for them, else the system's <c>ping</c> program. The
/// echo carries the runtime's default payload: the <c>ping</c> program cannot send another, so a custom one fails in
/// every unprivileged process. The echo's own timeout is a wait in the operating system; keep it below the
/// scheduler's timeout, which cancels the run whatever it waits for.
/// </remarks>
public sealed class PingHealthCheck : IVrrpHealthCheck
{
    private readonly TimeSpan _echoTimeout = TimeSpan.FromSeconds(1);

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
    /// <exception cref="ArgumentOutOfRangeException">Out of range.</exception>
    public TimeSpan EchoTimeout
    {
        get => _echoTimeout;
        init
        {
            if (value < TimeSpan.FromMilliseconds(1) || value > TimeSpan.FromSeconds(60))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"EchoTimeout must be 1 ms to 60 s; got {value.TotalMilliseconds} ms.");
            }

            _echoTimeout = value;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        using var ping = new Ping();
        try
        {
            PingReply reply = await ping.SendPingAsync(Address, _echoTimeout, buffer: null, options: null, cancellationToken).ConfigureAwait(false);
            return reply.Status == IPStatus.Success
                ? VrrpCheckResult.Success($"echo reply from {Address}")
                : VrrpCheckResult.Failure($"no echo reply from {Address}: {reply.Status}");
        }
        catch (PingException exception)
        {
            return VrrpCheckResult.Failure($"cannot ping {Address}: {exception.InnerException?.Message ?? exception.Message}");
        }
        catch (PlatformNotSupportedException exception)
        {
            // No raw ICMP socket and no usable ping program: the check fails, it never throws into the scheduler.
            return VrrpCheckResult.Failure($"cannot ping {Address}: {exception.Message}");
        }
    }
}
