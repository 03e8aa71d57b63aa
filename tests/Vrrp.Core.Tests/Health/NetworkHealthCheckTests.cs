using System.Net;
using System.Net.Sockets;
using System.Text;
using Vrrp.Health;

namespace Vrrp.Tests.Health;

/// <summary>TCP connect, HTTP GET and ICMP echo against loopback.</summary>
public sealed class NetworkHealthCheckTests
{
    [Fact]
    public async Task Tcp_connect_to_a_listening_port_is_healthy()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        VrrpCheckResult result = await new TcpConnectHealthCheck("127.0.0.1", port).CheckAsync(TestContext.Current.CancellationToken);

        Assert.True(result.IsHealthy, result.Description);
    }

    [Fact]
    public async Task Tcp_connect_to_a_closed_port_is_failing()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        VrrpCheckResult result = await new TcpConnectHealthCheck("127.0.0.1", port).CheckAsync(TestContext.Current.CancellationToken);

        Assert.False(result.IsHealthy);
        Assert.Contains("ConnectionRefused", result.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200, null, true)]
    [InlineData(204, null, true)]
    [InlineData(503, null, false)]
    [InlineData(404, null, false)]
    [InlineData(200, new[] { 204 }, false)]
    [InlineData(204, new[] { 200, 204 }, true)]
    [InlineData(503, new[] { 503 }, true)]
    public async Task Http_get_is_healthy_on_an_expected_status(int status, int[]? expected, bool healthy)
    {
        using var server = new OneShotHttpServer(status);
        using var check = new HttpGetHealthCheck(new Uri($"http://127.0.0.1:{server.Port}/health"), expected);

        VrrpCheckResult result = await check.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(healthy, result.IsHealthy);
        Assert.Equal($"status {status}", result.Description);
        Assert.StartsWith("GET /health HTTP/1.1", await server.RequestLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_get_uses_the_injected_client()
    {
        using var client = new HttpClient(new StatusHandler(HttpStatusCode.ServiceUnavailable));
        using var check = new HttpGetHealthCheck(new Uri("http://service.invalid/health"), client: client);

        VrrpCheckResult result = await check.CheckAsync(TestContext.Current.CancellationToken);

        Assert.False(result.IsHealthy);
        Assert.Equal("status 503", result.Description);
    }

    [Fact]
    public async Task Http_get_to_a_closed_port_is_failing()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var check = new HttpGetHealthCheck(new Uri($"http://127.0.0.1:{port}/"));
        Assert.False((await check.CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
    }

    [Fact]
    public async Task Icmp_echo_to_loopback_is_healthy()
    {
        VrrpCheckResult result = await new PingHealthCheck(IPAddress.Loopback).CheckAsync(TestContext.Current.CancellationToken);
        if (!result.IsHealthy && !CanSendIcmp())
        {
            Assert.Skip($"ICMP echo is not permitted here (no raw ICMP socket, no ping program): {result.Description}");
        }

        Assert.True(result.IsHealthy, result.Description);
    }

    // An echo that nobody answers is tested in a lab namespace (Vrrp.Linux.Tests, PingHealthCheckLabTests): from
    // here it would leave this machine.

    [Fact]
    public void Icmp_echo_timeout_outside_1_ms_to_60_s_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PingHealthCheck(IPAddress.Loopback) { EchoTimeout = TimeSpan.Zero });
        Assert.Contains("EchoTimeout must be 1 ms to 60 s", error.Message, StringComparison.Ordinal);
    }

    private static bool CanSendIcmp()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
            return true;
        }
        catch (SocketException)
        {
            return Support.ExternalTool.Find("ping") is not null;
        }
    }

    private sealed class StatusHandler(HttpStatusCode status) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { RequestMessage = request });
    }

    /// <summary>Answers one HTTP request on loopback with a chosen status code.</summary>
    private sealed class OneShotHttpServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public OneShotHttpServer(int status)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            RequestLine = ServeAsync(status);
        }

        public int Port { get; }

        public Task<string> RequestLine { get; }

        public void Dispose() => _listener.Stop();

        private async Task<string> ServeAsync(int status)
        {
            using TcpClient client = await _listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
            using NetworkStream stream = client.GetStream();
            var request = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            byte[] response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Chosen\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(response, TestContext.Current.CancellationToken);
            return request.ToString().Split("\r\n")[0];
        }
    }
}
