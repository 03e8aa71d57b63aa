using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

// sudo dotnet run --project samples/Vrrp.HostedVip [-- --Vrrp:Routers:0:Interface=lab0 --Vrrp:Routers:0:Priority=90]
// Holds the virtual addresses of appsettings.json (the "Vrrp" section: a list of routers with VirtualRouterOptions'
// names; command-line arguments and environment variables override it, as in any generic host) on a real Linux
// interface, and logs every transition through the host's logging. Needs root, or CAP_NET_RAW and CAP_NET_ADMIN.
// Ctrl+C or SIGTERM stops gracefully: a master sends priority 0 and removes its addresses. A bad value stops the start
// with a message naming the field and its range. With --Metrics:Console=true the Vrrp meter is exported through
// OpenTelemetry to the console every second (any other OpenTelemetry exporter is added the same way).
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // appsettings.json is the app's, wherever it is started from
});
builder.Services.AddVrrp(builder.Configuration.GetSection("Vrrp")).UseLinux();
if (string.Equals(builder.Configuration["Metrics:Console"], "true", StringComparison.OrdinalIgnoreCase))
{
    builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
        .AddMeter("Vrrp")
        .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 1000));
}

using IHost host = builder.Build();
await host.RunAsync();
