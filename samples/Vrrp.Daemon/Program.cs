using System.Runtime.InteropServices;
using System.Text.Json;
using Vrrp;
using Vrrp.Addressing;
using Vrrp.Linux.Announcements;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;
using VrrpDaemon;

// vrrpd CONFIG.json [--require-netns] [--control PATH | --no-control]
// Runs the configured virtual routers; SIGTERM or SIGINT stops them gracefully (priority 0, addresses removed);
// SIGHUP reloads the file, restarting only the routers whose configuration changed. vrrpctl talks to the control
// socket (default /run/vrrpd.sock).
const string Usage = "usage: vrrpd CONFIG.json [--require-netns] [--control PATH | --no-control]";
if (args.Length < 1 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

string configPath = args[0];
string? controlPath = "/run/vrrpd.sock";
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--require-netns":
            break;
        case "--control" when i + 1 < args.Length:
            controlPath = args[++i];
            break;
        case "--no-control":
            controlPath = null;
            break;
        default:
            Console.Error.WriteLine($"vrrpd: unknown argument '{args[i]}'\n{Usage}");
            return 2;
    }
}

if (args.Contains("--require-netns") && Vrrp.Linux.Interop.NetworkNamespaces.CurrentName() is null)
{
    Console.Error.WriteLine("vrrpd: --require-netns: refusing to run outside a namespace made with 'ip netns add'.");
    return 3;
}

// A backup's first takeover must not wait for the JIT: run every protocol path once, in memory, before going live.
Vrrp.Warmup.VrrpWarmup.Rehearse();

using var addresses = new NetlinkAddressManager();
using var links = new LinkMonitor();
using var time = new Vrrp.Linux.Timing.PreciseTimeProvider(); // timers within ~0.2 ms of due, not the system's 2–7 ms
addresses.AddressRestored += (_, address) => Log($"{address} was removed from outside while master: put back");
var interfaces = new System.Collections.Concurrent.ConcurrentDictionary<string, LinuxInterface>();
var transports = new Dictionary<(string Interface, System.Net.Sockets.AddressFamily Family), IVrrpTransport>();
using var announcer = new PacketSocketAnnouncer(name => interfaces.TryGetValue(name, out LinuxInterface? i) ? (i.Index, i.IPv6LinkLocal) : (0, default));
var running = new Dictionary<string, (string Json, VirtualRouter Router)>();
var configurationAddresses = new List<string>();

try
{
    Apply(DaemonConfiguration.Load(configPath));
}
catch (Exception e) when (e is VrrpConfigurationException or InvalidDataException or JsonException or UnauthorizedAccessException or IOException or InvalidOperationException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"vrrpd: {e.Message}");
    StopAll();
    return 1;
}

Vrrp.Control.VrrpControlServer? control = null;
if (controlPath is not null)
{
    control = new Vrrp.Control.VrrpControlServer(controlPath, () => { lock (running) { return [.. running.Values.Select(r => r.Router)]; } });
    try
    {
        control.Start();
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
    {
        Console.Error.WriteLine($"vrrpd: control socket {controlPath}: {e.Message} (use --control PATH or --no-control)");
        StopAll();
        return 1;
    }
}

var stop = new ManualResetEventSlim();
var reload = new AutoResetEvent(false);
using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; reload.Set(); });
Log($"ready: {running.Count} router(s)");

try
{
    while (!stop.IsSet)
    {
        if (WaitHandle.WaitAny([stop.WaitHandle, reload], 1000) == 1)
        {
            try
            {
                Apply(DaemonConfiguration.Load(configPath));
                Log("reloaded");
            }
#pragma warning disable CA1031 // a bad reload must never take the running routers down with it
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log($"reload refused, keeping what runs: {e.Message}");
            }
        }
    }
}
finally
{
    if (control is not null)
    {
        await control.DisposeAsync();
    }

    StopAll();
}

Log("stopped");
return 0;

void StopAll()
{
    foreach ((_, VirtualRouter router) in running.Values)
    {
        router.Dispose(); // graceful: a master sends priority 0 and removes its addresses
    }

    lock (running)
    {
        running.Clear();
    }
    foreach (IVrrpTransport transport in transports.Values)
    {
        (transport as IDisposable)?.Dispose();
    }

    transports.Clear();
}

void Apply(DaemonConfiguration configuration)
{
    var wanted = new Dictionary<string, (string Json, VirtualRouterOptions Options)>();
    configurationAddresses.Clear();
    foreach (JsonElement entry in configuration.Routers)
    {
        VirtualRouterOptions options = DaemonConfiguration.ToOptions(entry);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }

        if (options.UseVirtualMac)
        {
            throw new VrrpConfigurationException([$"{options.Name}: UseVirtualMac is not supported by vrrpd yet (no macvlan manager); leave it false."]);
        }

        wanted[options.Name ?? $"VR{options.VirtualRouterId}"] = (entry.GetRawText(), options);
        configurationAddresses.AddRange(options.VirtualAddresses);
    }

    foreach (string name in running.Keys.ToList())
    {
        if (!wanted.TryGetValue(name, out var want) || want.Json != running[name].Json)
        {
            Log($"{name}: configuration changed or removed, stopping it");
            links.Untrack(running[name].Router);
            running[name].Router.Dispose();
            lock (running)
            {
                running.Remove(name);
            }
        }
    }

    foreach ((string name, (string json, VirtualRouterOptions options)) in wanted)
    {
        if (running.ContainsKey(name))
        {
            continue; // unchanged: keeps its state, no failover
        }

        IVrrpTransport transport = TransportFor(options);
        var router = new VirtualRouter(options, transport, addresses, announcer, time);

        // Addresses a crashed run left behind: a router that starts is not master, so it must not hold them.
        foreach (VirtualAddress address in router.VirtualAddresses)
        {
            addresses.Remove(options.Interface, address);
        }

        router.StateChanged += (_, change) => Log($"{name}: {change.From} -> {change.To} ({change.Reason}, priority {change.Priority})");
        lock (running)
        {
            running[name] = (json, router);
        }
        links.Track(interfaces[options.Interface].Index, router);
        router.Start();
    }
}

IVrrpTransport TransportFor(VirtualRouterOptions options)
{
    System.Net.Sockets.AddressFamily family = VirtualAddress.Parse(options.VirtualAddresses[0]).Address.Family;
    if (!transports.TryGetValue((options.Interface, family), out IVrrpTransport? transport))
    {
        if (!interfaces.ContainsKey(options.Interface))
        {
            // The configured virtual addresses may be on the interface already (a crashed run): never take one as primary.
            var excluded = configurationAddresses.Select(a => VirtualAddress.Parse(a).Address).ToList();
            interfaces[options.Interface] = LinuxInterface.Find(options.Interface, excluded);
        }

        transport = family == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? RawIPv6Transport.Open(interfaces[options.Interface])
            : RawIPv4Transport.Open(interfaces[options.Interface]);
        transports[(options.Interface, family)] = transport;
    }

    return transport;
}

static void Log(string message) => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} vrrpd: {message}");
