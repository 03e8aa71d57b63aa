using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vrrp.Election.Etcd.Tests;

/// <summary>
/// etcd members of our own on loopback ports, data in a temporary folder, each started and stopped by its pid: one
/// member or three. Needs Debian's etcd-server (.ci/run installs it); tests start it through <see cref="Etcd"/>, which
/// skips them with that reason without it. The fault harness links this file.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vrrp-etcd-").FullName;
    private readonly Member[] _members;

    private EtcdCluster(int size)
    {
        var members = new Member[size];
        for (int i = 0; i < size; i++)
        {
            members[i] = new Member($"m{i}", FreePort(), FreePort(), Path.Combine(_root, $"m{i}"));
        }

        _members = members;
        InitialCluster = string.Join(",", members.Select(m => $"{m.Name}=http://127.0.0.1:{m.PeerPort}"));
    }

    /// <summary>Gets the path of the etcd binary, or null when it is not installed.</summary>
    public static string? Binary { get; } = new[] { "/usr/bin/etcd", "/usr/local/bin/etcd" }.FirstOrDefault(File.Exists);

    /// <summary>Gets the client URLs of all members, separated by commas.</summary>
    public string Endpoints => string.Join(",", _members.Select(m => m.ClientUrl));

    /// <summary>Gets the number of members.</summary>
    public int Size => _members.Length;

    private string InitialCluster { get; }

    /// <summary>Starts <paramref name="size"/> members and waits until the cluster answers.</summary>
    /// <param name="size">1 or 3.</param>
    /// <returns>The running cluster.</returns>
    public static async Task<EtcdCluster> StartAsync(int size)
    {
        if (Binary is null)
        {
            throw new InvalidOperationException("etcd is not installed (apt-get install etcd-server)");
        }

        var cluster = new EtcdCluster(size);
        foreach (Member member in cluster._members)
        {
            cluster.Start(member);
        }

        await cluster.WaitReadyAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>Gets a member's client URL.</summary>
    /// <param name="index">The member.</param>
    /// <returns>The URL.</returns>
    public string ClientUrl(int index) => _members[index].ClientUrl;

    /// <summary>Gets the pid of a running member, or 0.</summary>
    /// <param name="index">The member.</param>
    /// <returns>The pid.</returns>
    public int Pid(int index) => _members[index].Process is { HasExited: false } p ? p.Id : 0;

    /// <summary>Kills a member (SIGKILL, by its pid) and waits for it to exit.</summary>
    /// <param name="index">The member.</param>
    public void Kill(int index)
    {
        if (_members[index].Process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }

            process.Dispose();
            _members[index].Process = null;
        }
    }

    /// <summary>Starts a killed member again on its data.</summary>
    /// <param name="index">The member.</param>
    public void Restart(int index) => Start(_members[index]);

    /// <summary>Waits until a quorum answers a linearizable read.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>A task.</returns>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new dotnet_etcd.EtcdClient(Endpoints);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.GetAsync("/ready", deadline: DateTime.UtcNow.AddSeconds(1)).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (clock.Elapsed < timeout)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops every member by its pid and deletes the data.</summary>
    /// <returns>A task.</returns>
    public ValueTask DisposeAsync()
    {
        for (int i = 0; i < _members.Length; i++)
        {
            Kill(i);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Start(Member member)
    {
        var start = new ProcessStartInfo(Binary!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--name", member.Name, "--data-dir", member.DataDir,
            "--listen-client-urls", member.ClientUrl, "--advertise-client-urls", member.ClientUrl,
            "--listen-peer-urls", $"http://127.0.0.1:{member.PeerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{member.PeerPort}",
            "--initial-cluster", InitialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", Path.GetFileName(_root),
            "--heartbeat-interval", "100", "--election-timeout", "1000", "--log-level", "error", "--logger", "zap",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        member.Process = process;
    }

    private sealed class Member(string name, int clientPort, int peerPort, string dataDir)
    {
        public string Name { get; } = name;

        public int PeerPort { get; } = peerPort;

        public string ClientUrl { get; } = $"http://127.0.0.1:{clientPort}";

        public string DataDir { get; } = dataDir;

        public Process? Process { get; set; }
    }
}
