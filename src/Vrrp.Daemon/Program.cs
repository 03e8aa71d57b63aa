using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Vrrp;
using Vrrp.Control;
using Vrrp.Keepalived;
using Vrrp.Keepalived.Plan;
using Vrrp.Linux;
using Vrrp.Linux.Control;
using VrrpDaemon;

// Runs the configured virtual routers; SIGTERM or SIGINT stops them gracefully (priority 0, addresses removed);
// SIGHUP reloads the file, restarting only the routers whose configuration changed.
const string Usage = """
    usage: vrrpd [-f] [CONFIG] [--check] [--require-netns] [--control PATH | --no-control] [--control-group GROUP] [--state-file PATH]
      CONFIG, -f PATH, --use-file PATH
                        a keepalived.conf (its VRRP part) or a JSON file (*.json) of VirtualRouterOptions entries;
                        default /etc/keepalived/keepalived.conf
      -t, --check       check the file and print its warnings and errors (file:line), like keepalived -t; run nothing;
                        exit as keepalived -t would: 0 with nothing keepalived reports, 5 with findings keepalived
                        reports too (6: scripts without enable_script_security); 1 when vrrpd refuses the file
      --require-netns   refuse to run outside a network namespace made with 'ip netns add' (for labs and tests)
      --control PATH    serve vrrpctl on this Unix socket (default: /run/vrrpd.sock in the host's network namespace,
                        /run/vrrpd.net-INODE.sock in any other)
      --no-control      serve no control socket
      --control-group GROUP
                        also serve members of GROUP (a name or a number) on the control socket, made mode 0660 and of
                        that group; by default only root and vrrpd's own user are served
      --state-file PATH keep keepalived-style state lines (INSTANCE "VI_1" MASTER 100) in this file
      -h, --help        this text
    signals: SIGTERM, SIGINT stop gracefully (priority 0, addresses removed); SIGHUP reloads the file
    """;
// Whatever started vrrpd may have left descriptors open without close-on-exec: no script of ours inherits them.
InheritedDescriptors.MarkCloseOnExec();

string? configPath = null;
string? controlPath = DefaultControlSocket.Path;
string? stateFile = null;
string? controlGroup = null;
bool check = false, requireNetns = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "-f" or "--use-file" when i + 1 < args.Length:
            configPath = args[++i];
            break;
        case "--check" or "-t":
            check = true;
            break;
        case "--require-netns":
            requireNetns = true;
            break;
        case "--control" when i + 1 < args.Length:
            controlPath = args[++i];
            break;
        case "--no-control":
            controlPath = null;
            break;
        case "--control-group" when i + 1 < args.Length:
            controlGroup = args[++i];
            break;
        case "--state-file" when i + 1 < args.Length:
            stateFile = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        case string path when !path.StartsWith('-') && configPath is null:
            configPath = path;
            break;
        default:
            Console.Error.WriteLine($"vrrpd: unknown argument '{args[i]}'\n{Usage}");
            return 2;
    }
}

configPath ??= KeepalivedConfigurationReader.DefaultPath;
bool json = configPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
if (check)
{
    return Check();
}

if (requireNetns && Vrrp.Linux.Interop.NetworkNamespaces.CurrentName() is null)
{
    Console.Error.WriteLine("vrrpd: --require-netns: refusing to run outside a namespace made with 'ip netns add'.");
    return 3;
}

// A backup's first takeover must not wait for the JIT: run every protocol path once, in memory, before going live.
Vrrp.Testing.VrrpWarmup.Rehearse(); // the JIT warm-up: a failover rehearsed on the simulator's clock and network

using ILoggerFactory loggers = LoggerFactory.Create(builder => builder
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; o.UseUtcTimestamp = true; })
    .AddFilter("Vrrp.Router", LogLevel.Warning)); // transitions are logged below, in the lines tools grep for
var host = new RouterHost(loggers, Log);
try
{
    await ApplyLoadedAsync();
}
#pragma warning disable CA1031 // whatever stops the start, what was made so far (macvlans, sysctls) must be undone
catch (Exception e)
#pragma warning restore CA1031
{
    Console.Error.WriteLine($"vrrpd: {Describe(e)}");
    await host.DisposeAsync();
    return 1;
}

VrrpControlServer? control = null;
if (controlPath is not null)
{
    int? groupId = null;
    if (controlGroup is not null && (groupId = GroupId(controlGroup)) is null)
    {
        Console.Error.WriteLine($"vrrpd: --control-group: no group '{controlGroup}' in /etc/group (give a name or a number)");
        await host.DisposeAsync();
        return 2;
    }

    control = new VrrpControlServer(controlPath, () => host.Routers) { AllowedGroupId = groupId };
    try
    {
        control.Start();
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
    {
        Console.Error.WriteLine($"vrrpd: control socket {controlPath}: {e.Message} (use --control PATH or --no-control)");
        await host.DisposeAsync();
        return 1;
    }
}

var stop = new ManualResetEventSlim();
var reload = new AutoResetEvent(false);
using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; reload.Set(); });
Log($"ready: {host.Routers.Count} router(s)");
// Under systemd with Type=notify: READY once the routers run, RELOADING and READY around a reload, STOPPING before
// the graceful stop. Nothing is sent without NOTIFY_SOCKET.
var systemd = new SystemdNotifier();
systemd.Notify(new ServiceState($"READY=1\nSTATUS={host.Routers.Count} router(s)"));
var heap = new DaemonHeap();
heap.SettleAfterStart();

WaitHandle[] waitHandles = [stop.WaitHandle, reload];
try
{
    while (!stop.IsSet)
    {
        heap.SettleIfDue();
        // No timeout but the heap's next settle: an idle daemon's main thread sleeps until a signal.
        if (WaitHandle.WaitAny(waitHandles, heap.MillisecondsUntilDue()) == 1)
        {
            try
            {
                systemd.Notify(new ServiceState($"RELOADING=1\nMONOTONIC_USEC={Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000)}"));
                try
                {
                    await ApplyLoadedAsync();
                }
                finally
                {
                    systemd.Notify(new ServiceState($"READY=1\nSTATUS={host.Routers.Count} router(s)"));
                }

                Log("reloaded");
                heap.SettleAfterStart();
            }
#pragma warning disable CA1031 // a bad reload must never take the running routers down with it
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log($"reload refused, keeping what runs: {Describe(e)}");
            }
        }
    }
}
finally
{
    // Routers first: the priority-0 advertisement is what lets a backup take over at once.
    systemd.Notify(ServiceState.Stopping);
    await host.DisposeAsync();
    if (control is not null)
    {
        await control.DisposeAsync();
    }
}

Log("stopped");
return 0;

// The plan is read in a frame of its own: a temporary of Main's loop would keep the whole parsed plan (every
// router's options) alive as long as the daemon runs.
[MethodImpl(MethodImplOptions.NoInlining)]
Task ApplyLoadedAsync() => host.ApplyAsync(Load());

KeepalivedPlan Load()
{
    if (json)
    {
        return DaemonConfiguration.LoadPlan(configPath, stateFile);
    }

    KeepalivedConfiguration configuration = KeepalivedConfigurationReader.Load(configPath);
    foreach (KeepalivedDiagnostic warning in configuration.Warnings)
    {
        Log($"warning: {warning}");
    }

    var refused = new List<string>();
    KeepalivedPlan plan = KeepalivedPlan.Create(configuration, refused) with { StateFile = stateFile };
    foreach (string warning in refused)
    {
        Log($"warning: {warning}");
    }

    foreach (string warning in PrimaryAddressRaces.Find(configuration, plan, host.HoldsOthersAddressIn))
    {
        Log($"warning: {warning}");
    }

    return plan;
}

int Check()
{
    if (json)
    {
        try
        {
            KeepalivedPlan plan = DaemonConfiguration.LoadPlan(configPath, stateFile);
            Console.WriteLine($"{configPath}: valid, {plan.Routers.Count} router(s)");
            return 0;
        }
        catch (Exception e) when (e is VrrpConfigurationException or InvalidDataException or JsonException or IOException)
        {
            Console.Error.WriteLine($"{configPath}: {Describe(e)}");
            return 1;
        }
    }

    KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(configPath);
    foreach (KeepalivedDiagnostic warning in result.Warnings)
    {
        Console.Error.WriteLine($"warning: {warning}");
    }

    foreach (KeepalivedDiagnostic error in result.Errors)
    {
        Console.Error.WriteLine($"error: {error}");
    }

    if (result.IsValid)
    {
        var refused = new List<string>(); // enable_script_security: the scripts vrrpd would not run
        KeepalivedPlan.Create(result.Configuration!, refused);
        foreach (string warning in refused)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }
    }

    Console.WriteLine(result.IsValid
        ? $"{configPath}: valid, {result.Configuration!.Instances.Count} instance(s), {result.Warnings.Count} warning(s)"
        : $"{configPath}: {result.Errors.Count} error(s), {result.Warnings.Count} warning(s)");
    if (result.IsValid && result.KeepalivedTestExitCode != 0)
    {
        Console.WriteLine($"{configPath}: keepalived -t would fail it (exit {result.KeepalivedTestExitCode}): {result.Warnings.Count(w => w.KeepalivedTest != KeepalivedTestOutcome.NotReported)} of the warnings are keepalived's own");
    }

    return result.KeepalivedTestExitCode;
}

static string Describe(Exception e) => e switch
{
    VrrpConfigurationException c => string.Join("; ", c.Errors),
    KeepalivedConfigurationException k => string.Join("; ", k.Errors),
    _ => e.Message,
};

// A group's number from its name (/etc/group), or the number itself.
static int? GroupId(string group)
{
    if (int.TryParse(group, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
    {
        return number;
    }

    foreach (string line in File.ReadLines("/etc/group"))
    {
        string[] fields = line.Split(':');
        if (fields.Length >= 3 && fields[0] == group && int.TryParse(fields[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
        {
            return id;
        }
    }

    return null;
}

static void Log(string message) => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} vrrpd: {message}");
