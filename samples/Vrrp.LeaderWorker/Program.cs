using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vrrp;
using Vrrp.Election;
using Vrrp.LeaderWorker;
using Vrrp.Testing;

// dotnet run --project samples/Vrrp.LeaderWorker
//     three nodes in this process over an in-memory network, in real time: the leader works, then stops; another
//     node takes over and works; exits by itself.
// VRRP_UDP_KEY=<the same secret of 16 bytes or more on every node> \
// dotnet run --project samples/Vrrp.LeaderWorker -- --udp --local 127.0.0.1 --peers 127.0.0.2,127.0.0.3 [--port 5798] [--priority 100]
//     one node over UDP; start one process per address to elect a leader among them, no root. Ctrl+C stops it
//     gracefully (priority 0), and another process takes over at once. Datagrams carry an HMAC under the key: without
//     one the node refuses to start (the key comes from the environment so that it never shows in a process list).
// dotnet run --project samples/Vrrp.LeaderWorker -- --etcd http://127.0.0.1:2379[,http://...] [--name NODE] [--ttl 10]
//     one node electing on etcd; start several (any hosts that reach etcd, no root, no shared LAN). Fencing tokens are
//     etcd revisions; Ctrl+C revokes the lease and another node takes over at once; a crashed node is replaced after
//     about the TTL.
if (args.Contains("--udp"))
{
    return await RunUdpNodeAsync(args);
}

if (args.Contains("--etcd"))
{
    return await RunEtcdNodeAsync(args);
}

using var network = new InMemoryNetwork(TimeProvider.System);
var hosts = new List<(string Name, IHost Host)>();
foreach ((string name, int priority) in new[] { ("node1", 100), ("node2", 90), ("node3", 80) })
{
    HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
    builder.Services.AddSingleton(new NodeName(name));
    builder.Services.AddVrrp()
        .AddRouter(o => Election(o, name, priority))
        .UseInMemoryNetwork(network)
        .AddLeaderElection("election");
    builder.Services.AddHostedService<LeaderWorker>();
    hosts.Add((name, builder.Build()));
}

Console.WriteLine("Leader election: node1 (priority 100), node2 (90), node3 (80), VRRPv3 at 100 ms, no virtual address, in memory.");
foreach ((_, IHost host) in hosts)
{
    await host.StartAsync();
}

// Started within milliseconds of each other, two nodes may both take over before either hears the other; VRRP
// settles it within one advertisement, and the fencing tokens tell the terms apart. Let it settle, then find the leader.
await LeaderAsync(hosts);
await Task.Delay(TimeSpan.FromSeconds(1.5));
(string leaderName, IHost leaderHost) = hosts.Single(h => h.Host.Services.GetRequiredService<ILeaderElection>().IsLeader);
LeaderWorker.Log(leaderName, "host stopping (graceful: priority 0 sent)");
await leaderHost.StopAsync();
(string next, _) = await LeaderAsync(hosts.Where(h => h.Name != leaderName).ToList());
await Task.Delay(TimeSpan.FromSeconds(1));
Console.WriteLine($"Failover shown: {leaderName} -> {next}. Stopping.");
foreach ((_, IHost host) in hosts)
{
    await host.StopAsync();
    host.Dispose();
}

return 0;

static void Election(VirtualRouterOptions o, string name, int priority)
{
    o.Name = "election";
    o.Interface = name; // on the in-memory network, the interface names the node
    o.VirtualRouterId = 1;
    o.Priority = priority;
    o.AdvertisementInterval = TimeSpan.FromMilliseconds(100);
}

static async Task<(string Name, IHost Host)> LeaderAsync(List<(string Name, IHost Host)> candidates)
{
    Task<LeadershipTerm>[] waits = [.. candidates.Select(c => c.Host.Services.GetRequiredService<ILeaderElection>().WaitForLeadershipAsync().AsTask())];
    Task<LeadershipTerm> won = await Task.WhenAny(waits);
    return candidates[Array.IndexOf(waits, won)];
}

static string? Option(string[] args, string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static async Task<int> RunEtcdNodeAsync(string[] args)
{
    string endpoints = Option(args, "--etcd") ?? "http://127.0.0.1:2379";
    string name = Option(args, "--name") ?? $"{Environment.MachineName}:{Environment.ProcessId}";
    int ttl = int.Parse(Option(args, "--ttl") ?? "10", CultureInfo.InvariantCulture);

    HostApplicationBuilder builder = Host.CreateApplicationBuilder();
    builder.Services.AddSingleton(new NodeName(name));
    builder.Services.AddLeaderElection("worker").UseEtcd(o =>
    {
        o.Endpoints = endpoints;
        o.Candidate = name;
        o.LeaseTtl = TimeSpan.FromSeconds(ttl);
        o.SafetyMargin = TimeSpan.FromSeconds(ttl) / 5;
    });
    builder.Services.AddHostedService<LeaderWorker>();
    using IHost host = builder.Build();
    Console.WriteLine($"Leader election on etcd ({endpoints}): this node {name}, lease {ttl} s. Ctrl+C stops.");
    await host.RunAsync();
    return 0;
}

static async Task<int> RunUdpNodeAsync(string[] args)
{
    string local = Option(args, "--local") ?? "127.0.0.1";
    string[] peers = (Option(args, "--peers") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);
    int port = int.Parse(Option(args, "--port") ?? "5798", CultureInfo.InvariantCulture);
    int priority = int.Parse(Option(args, "--priority") ?? "100", CultureInfo.InvariantCulture);

    HostApplicationBuilder builder = Host.CreateApplicationBuilder();
    builder.Services.AddSingleton(new NodeName(local));
    builder.Services.AddVrrp()
        .AddRouter(o =>
        {
            o.Name = "election";
            o.Interface = "udp";
            o.VirtualRouterId = 1;
            o.Priority = priority;
            o.AdvertisementInterval = TimeSpan.FromMilliseconds(100);
        })
        .UseUdp(o =>
        {
            o.LocalAddress = local;
            o.Port = port;
            o.Key = Environment.GetEnvironmentVariable("VRRP_UDP_KEY");
            foreach (string peer in peers)
            {
                o.Peers.Add(peer);
            }
        })
        .AddLeaderElection("election");
    builder.Services.AddHostedService<LeaderWorker>();
    using IHost host = builder.Build();
    Console.WriteLine($"Leader election over UDP: this node {local}:{port}, priority {priority}, peers {string.Join(", ", peers)}. Ctrl+C stops.");
    await host.RunAsync();
    return 0;
}
