using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>The Vrrp meter through OpenTelemetry, as an app exports it: AddVrrp and AddMeter("Vrrp"), nothing else.</summary>
public sealed class OpenTelemetryTests
{
    [Fact]
    public async Task The_Vrrp_meter_is_exported_through_OpenTelemetry_with_its_names_and_attributes()
    {
        // Input: a host with AddVrrp (one router) and OpenTelemetry metrics with AddMeter("Vrrp") and an in-memory exporter.
        // Expected: after the router becomes master, the export holds vrrp.router.state = 2 for vrrp.router "r1", and
        // vrrp.router.transitions with the states as attributes. The router has a name of its own: OpenTelemetry listens
        // to every meter named Vrrp in the process, so tests running beside this one export their routers too.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        var exported = new List<Metric>();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVrrp().AddRouter(o =>
        {
            o.Name = "otel-r1";
            o.Interface = "node1";
            o.VirtualRouterId = 51;
            o.VirtualAddresses.Add("198.51.100.100/24");
        }).UseInMemoryNetwork(network);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter("Vrrp").AddInMemoryExporter(exported));
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush());

        // Each service provider's Vrrp meter is a stream of its own in the export, and tests beside this one make
        // theirs: the router's points are looked for in every stream of the name, not only in the last one exported
        // (which was another test's now and then: a flaky failure seen in CI).
        Metric[] states = [.. exported.Where(m => m.Name == "vrrp.router.state")];
        Assert.All(states, static m => Assert.Equal("{state}", m.Unit));
        (long value, _) = states.SelectMany(Points).Last(p => (string?)p.Attributes.GetValueOrDefault("vrrp.router") == "otel-r1");
        Assert.Equal((long)VrrpState.Master, value);
        Assert.Contains(
            exported.Where(m => m.Name == "vrrp.router.transitions").SelectMany(Points),
            p => (string?)p.Attributes.GetValueOrDefault("vrrp.router") == "otel-r1" && (string?)p.Attributes["vrrp.state.to"] == "master" && p.Value == 1);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static List<(long Value, Dictionary<string, object?> Attributes)> Points(Metric metric)
    {
        var points = new List<(long, Dictionary<string, object?>)>();
        foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
        {
            var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object?> tag in point.Tags)
            {
                attributes[tag.Key] = tag.Value;
            }

            long value = metric.MetricType is MetricType.LongGauge ? point.GetGaugeLastValueLong() : point.GetSumLong();
            points.Add((value, attributes));
        }

        return points;
    }
}
