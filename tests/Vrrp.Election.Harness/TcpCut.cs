using System.Net;
using System.Net.Sockets;

namespace Vrrp.Election.Harness;

/// <summary>
/// A TCP relay from one elector to one etcd member that can stop forwarding: cut, it drops the connections it carries
/// and holds new ones open without a byte through (a partition, not a refusal); healed, it forwards again.
/// </summary>
internal sealed class TcpCut : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly object _gate = new();
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private bool _cut;

    public TcpCut(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Cut()
    {
        lock (_gate)
        {
            _cut = true;
            foreach (TcpClient client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Heal()
    {
        lock (_gate)
        {
            _cut = false;
            foreach (TcpClient client in _open)
            {
                client.Dispose(); // the held ones: the client reconnects through a forwarding relay
            }

            _open.Clear();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            bool cut;
            lock (_gate)
            {
                cut = _cut;
                _open.Add(inbound);
            }

            if (!cut)
            {
                _ = RelayAsync(inbound);
            }
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            lock (_gate)
            {
                _open.Add(outbound);
            }

            NetworkStream a = inbound.GetStream(), b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
