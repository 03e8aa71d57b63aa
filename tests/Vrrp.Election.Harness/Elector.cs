using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vrrp.Transport;

namespace Vrrp.Election.Harness;

/// <summary>
/// One elector, a process of its own: it checks every 5 ms whether it leads and, while it does, writes its term's
/// token to the fenced resource. It reports on stdout when its belief begins (B+ token time) and ends (B- token time of
/// the last check that said it led), in CLOCK_MONOTONIC ticks, so that a pause shows as what the process could act on.
/// </summary>
internal static class Elector
{
    public static async Task<int> RunAsync(Dictionary<string, string> args)
    {
        string name = args["--name"];
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        var cut = new CuttableUdpTransportFactory();
        if (args["--backend"] == "etcd")
        {
            builder.Services.AddLeaderElection("harness").UseEtcd(o =>
            {
                o.Endpoints = args["--endpoints"];
                o.Candidate = name;
                o.LeaseTtl = TimeSpan.FromSeconds(int.Parse(args["--ttl"], CultureInfo.InvariantCulture));
                o.SafetyMargin = TimeSpan.FromMilliseconds(int.Parse(args["--margin-ms"], CultureInfo.InvariantCulture));
                o.KeepAliveInterval = o.LeaseTtl / 4;
                o.RetryDelay = TimeSpan.FromMilliseconds(100);
                o.RequestTimeout = TimeSpan.FromMilliseconds(500);
            });
        }
        else
        {
            builder.Services.AddVrrp()
                .AddRouter(o =>
                {
                    o.Name = "harness";
                    o.Interface = "udp";
                    o.VirtualRouterId = 1;
                    o.Priority = int.Parse(args["--priority"], CultureInfo.InvariantCulture);
                    o.AdvertisementInterval = TimeSpan.FromMilliseconds(int.Parse(args["--advert-ms"], CultureInfo.InvariantCulture));
                })
                .UseUdp(o =>
                {
                    o.LocalAddress = args["--udp-local"];
                    o.Port = int.Parse(args["--udp-port"], CultureInfo.InvariantCulture);
                    o.Key = Environment.GetEnvironmentVariable("VRRP_UDP_KEY");
                    foreach (string peer in args["--udp-peers"].Split(','))
                    {
                        o.Peers.Add(peer);
                    }
                })
                .AddLeaderElection("harness");
            builder.Services.Decorate(cut);
        }

        using IHost host = builder.Build();
        await host.StartAsync();
        ILeaderElection election = host.Services.GetRequiredService<ILeaderElection>();

        using var resource = new TcpClient();
        await resource.ConnectAsync("127.0.0.1", int.Parse(args["--resource"], CultureInfo.InvariantCulture));
        using var reader = new StreamReader(resource.GetStream());
        await using var writer = new StreamWriter(resource.GetStream()) { AutoFlush = true };
        Console.Out.Flush();
        Console.WriteLine("READY");

        // Commands from the harness: "cut" and "heal" isolate a UDP elector at its transport; "quit" stops gracefully.
        using var quit = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (await Console.In.ReadLineAsync() is { } command)
            {
                switch (command)
                {
                    case "cut": cut.Isolated = true; break;
                    case "heal": cut.Isolated = false; break;
                    case "quit": await quit.CancelAsync(); return;
                }
            }
        });

        long believed = 0;
        long lastTrue = 0;
        while (!quit.IsCancellationRequested)
        {
            LeadershipTerm? term = election.CurrentTerm;
            long now = Stopwatch.GetTimestamp();
            if (term is { } t && t.FencingToken != believed && believed != 0)
            {
                Console.WriteLine($"B- {believed} {lastTrue}");
                believed = 0;
            }

            if (term is { } current)
            {
                if (believed == 0)
                {
                    believed = current.FencingToken;
                    Console.WriteLine($"B+ {believed} {now}");
                }

                lastTrue = now;
                await writer.WriteLineAsync($"W {name} {current.FencingToken}");
                await reader.ReadLineAsync();
            }
            else if (believed != 0)
            {
                Console.WriteLine($"B- {believed} {lastTrue}");
                believed = 0;
            }

            await Task.Delay(5);
        }

        await host.StopAsync();
        return 0;
    }

    private static void Decorate(this IServiceCollection services, CuttableUdpTransportFactory cut)
    {
        ServiceDescriptor inner = services.Last(d => d.ServiceType == typeof(IVrrpTransportFactory));
        services.Replace(ServiceDescriptor.Singleton<IVrrpTransportFactory>(sp =>
        {
            cut.Inner = (IVrrpTransportFactory)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!);
            return cut;
        }));
    }
}
