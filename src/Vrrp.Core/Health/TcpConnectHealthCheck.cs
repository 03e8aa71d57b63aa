using System.Net;
using System.Net.Sockets;

namespace Vrrp.Health;

/// <summary>Healthy when a TCP connection to a host and port opens (keepalived users' <c>&lt;/dev/tcp/HOST/PORT</c> script); the connection is closed at once.</summary>
public sealed class TcpConnectHealthCheck : IVrrpHealthCheck
{
    private readonly EndPoint _endPoint;

    /// <summary>Initializes a check of a host name or address and a port.</summary>
    /// <param name="host">A host name or an IP address.</param>
    /// <param name="port">1 to 65535.</param>
    /// <exception cref="ArgumentOutOfRangeException">The port is out of range.</exception>
    public TcpConnectHealthCheck(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        _endPoint = IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
    }

    /// <summary>Gets the endpoint connected to.</summary>
    public EndPoint EndPoint => _endPoint;

    /// <inheritdoc/>
    public async ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        using var socket = _endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(_endPoint, cancellationToken).ConfigureAwait(false);
            return VrrpCheckResult.Success($"connected to {_endPoint}");
        }
        catch (SocketException exception)
        {
            return VrrpCheckResult.Failure($"cannot connect to {_endPoint}: {exception.SocketErrorCode}");
        }
    }
}
