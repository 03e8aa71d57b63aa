using System.Net.Sockets;
using System.Text;

namespace Vrrp.Linux.Tests;

/// <summary>vrrpd under systemd's Type=notify: READY, RELOADING and READY around SIGHUP, STOPPING on SIGTERM.</summary>
public sealed class SystemdNotifyTests
{
    [Fact]
    public void Vrrpd_tells_systemd_ready_reloading_ready_and_stopping()
    {
        // Input: vrrpd in a lab namespace with NOTIFY_SOCKET naming a datagram socket of the test; then SIGHUP; then
        // SIGTERM. Expected: READY=1 once the routers run, then RELOADING=1 (with MONOTONIC_USEC) and READY=1 around
        // the reload, then STOPPING=1. Before: nothing was sent, so a Type=notify unit would time out at start.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("h1");
        string path = Path.Combine(Path.GetTempPath(), $"vrrpt-notify-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 20_000;
        try
        {
            LabProcess daemon = Daemon.Start(lab, "h1", 100, notifySocket: path); // the lab stops it, by pid, if the test fails
            Assert.StartsWith("READY=1\nSTATUS=1 router(s)", Receive(socket), StringComparison.Ordinal);

            daemon.Signal("HUP");
            string reloading = Receive(socket);
            Assert.StartsWith("RELOADING=1\nMONOTONIC_USEC=", reloading, StringComparison.Ordinal);
            Assert.True(long.Parse(reloading.Split('=')[^1], System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.StartsWith("READY=1", Receive(socket), StringComparison.Ordinal);

            daemon.Signal("TERM");
            Assert.Equal("STOPPING=1", Receive(socket));
            Assert.NotNull(daemon.WaitFor("stopped", TimeSpan.FromSeconds(20)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Receive(Socket socket)
    {
        byte[] buffer = new byte[4096];
        int length = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
