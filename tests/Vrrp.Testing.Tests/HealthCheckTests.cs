using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vrrp.Health;

namespace Vrrp.Testing.Tests;

/// <summary>AddVrrpHealthChecks in an ASP.NET Core test host: each router's state behind /health.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task The_health_endpoint_reports_the_worst_router_and_each_routers_state_with_the_mapping_configured()
    {
        // Input: a web app with routers a (priority 100, on node1) and b (90, on node2) of one VRID, /health mapped;
        // once with the default mapping, once with backups Healthy.
        // Expected: a is master and b backup; /health says Degraded (a backup), then Healthy; the check's data names
        // each router's state.
        foreach ((Action<VrrpHealthCheckOptions>? configure, string expected) in new (Action<VrrpHealthCheckOptions>?, string)[]
        {
            (null, "Degraded"),
            (o => o.Backup = HealthStatus.Healthy, "Healthy"),
        })
        {
            var clock = new VirtualClock();
            using var network = new InMemoryNetwork(clock);
            await using WebApplication app = await StartAsync(
                network,
                vrrp => vrrp.AddRouter(o => Router(o, "a", "node1", 100)).AddRouter(o => Router(o, "b", "node2", 90)),
                configure);
            clock.Advance(TimeSpan.FromSeconds(5));

            (HttpStatusCode status, string body) = await GetHealthAsync(app);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(expected, body);

            HealthReport report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);
            Assert.Equal("Master", report.Entries["vrrp"].Data["a"]);
            Assert.Equal("Backup", report.Entries["vrrp"].Data["b"]);
            await app.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_router_in_fault_or_named_but_absent_is_unhealthy_and_the_endpoint_answers_503()
    {
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        await using WebApplication app = await StartAsync(network, vrrp => vrrp.AddRouter(o => Router(o, "a", "node1", 100)), o => o.Routers.Add("missing"));
        clock.Advance(TimeSpan.FromSeconds(5));

        (HttpStatusCode status, string body) = await GetHealthAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", body);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    // A web app on a test server with the routers given, the health checks and /health mapped, started.
    private static async Task<WebApplication> StartAsync(InMemoryNetwork network, Func<IVrrpBuilder, IVrrpBuilder> routers, Action<VrrpHealthCheckOptions>? configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        routers(builder.Services.AddVrrp()).UseInMemoryNetwork(network);
        builder.Services.AddVrrpHealthChecks(configure);
        WebApplication app = builder.Build();
        app.MapHealthChecks("/health");
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetHealthAsync(WebApplication app)
    {
        using HttpClient client = app.GetTestClient();
        using HttpResponseMessage response = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static void Router(VirtualRouterOptions o, string name, string node, int priority)
    {
        o.Name = name;
        o.Interface = node;
        o.VirtualRouterId = 51;
        o.Priority = priority;
        o.VirtualAddresses.Add("198.51.100.100/24");
    }
}
