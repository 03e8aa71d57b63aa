using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Vrrp.Election.Harness;

/// <summary>
/// The resource every leader writes to: it accepts a write only with a token at least the highest it has accepted,
/// and records every write with the monotonic time it arrived (CLOCK_MONOTONIC, the same in every process here).
/// </summary>
internal sealed class FencedResource : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private long _highest = long.MinValue;

    public FencedResource()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<Write> Writes { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var reader = new StreamReader(client.GetStream());
                await using var writer = new StreamWriter(client.GetStream()) { AutoFlush = true };
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    // "W <elector> <token>"
                    string[] parts = line.Split(' ');
                    long token = long.Parse(parts[2], CultureInfo.InvariantCulture);
                    long at = Stopwatch.GetTimestamp();
                    bool accepted;
                    lock (_gate)
                    {
                        accepted = token >= _highest;
                        if (accepted)
                        {
                            _highest = token;
                        }
                    }

                    Writes.Enqueue(new Write(parts[1], token, at, accepted));
                    await writer.WriteLineAsync(accepted ? "OK" : "NO");
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    public readonly record struct Write(string Elector, long Token, long At, bool Accepted);
}
