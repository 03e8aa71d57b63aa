using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vrrp;
using Vrrp.Election;
using Vrrp.Testing;

/// <summary>
/// A generic host built from the packages alone: AddVrrp with nothing else registered logs the transitions
/// (category Vrrp.Router) and publishes the Vrrp meter; a check comes from configuration; an election resolves.
/// </summary>
internal static class HostedSmoke
{
    public static async Task<bool> RunAsync()
    {
        var logs = new ConcurrentQueue<string>();
        var instruments = new ConcurrentDictionary<string, bool>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Vrrp")
                {
                    instruments[instrument.Name] = true;
                }
            },
        };
        meters.Start();

        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(new QueueLoggerProvider(logs));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vrrp:Routers:0:Name"] = "smoke",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:Priority"] = "100",
            ["Vrrp:Routers:0:Checks:0:Type"] = "Tcp",
            ["Vrrp:Routers:0:Checks:0:Target"] = "127.0.0.1:1",
            ["Vrrp:Routers:0:Checks:0:Weight"] = "-10",
        });
        builder.Services.AddVrrp(builder.Configuration.GetSection("Vrrp")).UseInMemoryNetwork(network).AddLeaderElection("smoke");
        using IHost host = builder.Build();
        await host.StartAsync();
        clock.Advance(TimeSpan.FromSeconds(5));
        VirtualRouter router = host.Services.GetRequiredService<VrrpService>().GetRouter("smoke");
        ILeaderElection election = host.Services.GetRequiredService<ILeaderElection>();
        bool leads = election.IsLeader;
        bool tracked = router.TrackedChecks.Count == 1;
        await host.StopAsync();

        bool logged = logs.Any(l => l.StartsWith("Vrrp.Router:", StringComparison.Ordinal) && l.Contains("Master", StringComparison.Ordinal));
        bool metered = instruments.ContainsKey("vrrp.router.state") && instruments.ContainsKey("vrrp.router.transitions");
        Console.WriteLine($"package smoke: hosted router: transition logged {logged}, meter {string.Join(",", instruments.Keys.Order())}, check from configuration {tracked}, leads {leads}");
        return logged && metered && tracked && leads;
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category}: {formatter(state, exception)}");
    }
}
