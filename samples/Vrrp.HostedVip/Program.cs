using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vrrp;
using Vrrp.Notifications;

// sudo dotnet run --project samples/Vrrp.HostedVip [-- --Vrrp:Routers:0:Interface=lab0 --Vrrp:Routers:0:Priority=90]
// Holds the virtual addresses of appsettings.json (the "Vrrp" section: a list of routers with VirtualRouterOptions'
// names; command-line arguments and environment variables override it, as in any generic host) on a real Linux
// interface. Needs root, or CAP_NET_RAW and CAP_NET_ADMIN. Ctrl+C or SIGTERM stops gracefully: a master sends
// priority 0 and removes its addresses. A bad value stops the start with a message naming the field and its range.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddVrrp(builder.Configuration.GetSection("Vrrp")).UseLinux();
builder.Services.AddSingleton<IVrrpNotifier, ConsoleNotifier>();
using IHost host = builder.Build();
await host.RunAsync();

/// <summary>Prints every state change; returns at once, as a notifier must.</summary>
internal sealed class ConsoleNotifier : IVrrpNotifier
{
    public void OnStateChanged(VirtualRouter router, in StateChange change) =>
        Console.WriteLine($"{change.Timestamp:HH:mm:ss.fff} {router.Name}: {change.From} -> {change.To} ({change.Reason}, priority {change.Priority})");
}
