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

// vrrpd CONFIG.json [--require-netns]
// Runs the configured virtual routers; SIGTERM or SIGINT stops them gracefully (priority 0, addresses removed);
// SIGHUP reloads the file, restarting only the routers whose configuration changed.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: vrrpd CONFIG.json [--require-netns]");
    return 2;
}

string configPath = args[0];
if (args.Contains("--require-netns") && Vrrp.Linux.Interop.NetworkNamespaces.CurrentName() is null)
{
    Console.Error.WriteLine("vrrpd: --require-netns: refusing to run outside a namespace made with 'ip netns add'.");
    return 3;
}

// A backup's first takeover must not wait for the JIT: run every protocol path once, in memory, before going live.
Vrrp.Warmup.VrrpWarmup.Rehearse();

using var addresses = new NetlinkAddressManager();
using var macvlans = new MacvlanManager();
using var links = new LinkMonitor();
using var time = new Vrrp.Linux.Timing.PreciseTimeProvider(); // timers within ~0.2 ms of due, not the system's 2–7 ms
addresses.AddressRestored += (_, address) => Log($"{address} was removed from outside while master: put back");
var interfaces = new System.Collections.Concurrent.ConcurrentDictionary<string, LinuxInterface>();
var transports = new Dictionary<(string Interface, System.Net.Sockets.AddressFamily Family), IVrrpTransport>();
using var announcer = new PacketSocketAnnouncer(name => interfaces.TryGetValue(name, out LinuxInterface? i) ? (i.Index, i.IPv6LinkLocal) : (0, default));
var running = new Dictionary<string, (string Json, VirtualRouter Router)>();
var virtualMacs = new Dictionary<string, (string Link, IVrrpTransport Transport)>(); // router name -> its macvlan and the transport on it
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
    StopAll();
}

Log("stopped");
return 0;

void StopAll()
{
    foreach ((string name, (_, VirtualRouter router)) in running)
    {
        router.Dispose(); // graceful: a master sends priority 0 and removes its addresses
        RemoveVirtualMac(name);
    }

    running.Clear();
    foreach (string name in virtualMacs.Keys.ToList())
    {
        RemoveVirtualMac(name); // a router that failed to start after its macvlan was made
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
            RemoveVirtualMac(name);
            running.Remove(name);
        }
    }

    foreach ((string name, (string json, VirtualRouterOptions options)) in wanted)
    {
        if (running.ContainsKey(name))
        {
            continue; // unchanged: keeps its state, no failover
        }

        string parent = options.Interface;
        IVrrpTransport transport = options.UseVirtualMac ? VirtualMacTransportFor(name, options, VirtualMacName(json)) : TransportFor(options);
        VirtualRouter router;
        try
        {
            router = new VirtualRouter(options, transport, addresses, announcer, time);
        }
        catch
        {
            RemoveVirtualMac(name); // a router that cannot be made must not leave its macvlan behind
            throw;
        }

        // Addresses a crashed run left behind: a router that starts is not master, so it must not hold them.
        foreach (VirtualAddress address in router.VirtualAddresses)
        {
            addresses.Remove(parent, address);
            if (options.UseVirtualMac)
            {
                addresses.Remove(options.Interface, address);
            }
        }

        router.StateChanged += (_, change) => Log($"{name}: {change.From} -> {change.To} ({change.Reason}, priority {change.Priority})");
        running[name] = (json, router);
        links.Track(interfaces[parent].Index, router); // a macvlan goes down with its parent: track the parent
        router.Start();
    }
}

IVrrpTransport TransportFor(VirtualRouterOptions options)
{
    System.Net.Sockets.AddressFamily family = VirtualAddress.Parse(options.VirtualAddresses[0]).Address.Family;
    if (!transports.TryGetValue((options.Interface, family), out IVrrpTransport? transport))
    {
        transport = Open(InterfaceFor(options.Interface), family);
        transports[(options.Interface, family)] = transport;
    }

    return transport;
}

// Virtual MAC mode (keepalived's use_vmac): the router gets a macvlan of its own with the virtual router MAC. Its
// addresses live there and its adverts and announcements leave from there, so their source MAC is the virtual MAC;
// it also receives there, because a private macvlan takes the frames whose source MAC is its own (a peer's adverts
// in virtual MAC mode) away from the parent. The adverts keep the parent's primary IPv4 as source address.
IVrrpTransport VirtualMacTransportFor(string name, VirtualRouterOptions options, string? link)
{
    System.Net.Sockets.AddressFamily family = VirtualAddress.Parse(options.VirtualAddresses[0]).Address.Family;
    LinuxInterface parent = InterfaceFor(options.Interface);
    link ??= MacvlanManager.DefaultName(family, (byte)options.VirtualRouterId);
    LinuxInterface macvlan = macvlans.Create(link, parent, family, (byte)options.VirtualRouterId);
    Log($"{name}: virtual MAC {macvlan.Mac} on {link} (macvlan on {parent.Name})");
    interfaces[link] = macvlan;
    IVrrpTransport transport;
    try
    {
        transport = Open(macvlan, family);
    }
    catch
    {
        macvlans.Remove(link);
        throw;
    }

    virtualMacs[name] = (link, transport);
    options.Interface = link; // the router's addresses and announcements go on the macvlan
    return transport;
}

void RemoveVirtualMac(string name)
{
    if (virtualMacs.Remove(name, out var virtualMac))
    {
        (virtualMac.Transport as IDisposable)?.Dispose();
        interfaces.TryRemove(virtualMac.Link, out _);
        macvlans.Remove(virtualMac.Link);
    }
}

LinuxInterface InterfaceFor(string name)
{
    if (!interfaces.TryGetValue(name, out LinuxInterface? found))
    {
        // The configured virtual addresses may be on the interface already (a crashed run): never take one as primary.
        var excluded = configurationAddresses.Select(a => VirtualAddress.Parse(a).Address).ToList();
        interfaces[name] = found = LinuxInterface.Find(name, excluded);
    }

    return found;
}

static IVrrpTransport Open(LinuxInterface networkInterface, System.Net.Sockets.AddressFamily family) =>
    family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? RawIPv6Transport.Open(networkInterface) : RawIPv4Transport.Open(networkInterface);

// vrrpd's own key beside the router's options: the macvlan's name, keepalived's 'use_vmac NAME'.
static string? VirtualMacName(string json)
{
    using var document = JsonDocument.Parse(json);
    return document.RootElement.TryGetProperty("virtualMacInterface", out JsonElement link) ? link.GetString() : null;
}

static void Log(string message) => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} vrrpd: {message}");
