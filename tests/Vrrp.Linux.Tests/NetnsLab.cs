using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Vrrp.Linux.Tests;

/// <summary>
/// A lab of network namespaces made for one test: a bridge in a namespace of its own, and node and client namespaces
/// each joined to it by a veth pair whose inner end is <c>lab0</c>, addressed in 198.51.100.0/24. No route leads
/// out; nothing runs in the host's namespace. Everything is removed on dispose, and leftovers of dead runs at start.
/// </summary>
internal sealed partial class NetnsLab : IDisposable
{
    private const string Prefix = "vrrpt-";
    private static int s_counter;
    private readonly string _tag;
    private readonly List<string> _namespaces = [];
    private readonly List<LabProcess> _processes = [];

    private NetnsLab(string tag) => _tag = tag;

    public string Bridge => $"{Prefix}{_tag}-br";

    /// <summary>Skips the test with a reason unless the tool is installed.</summary>
    public static void RequireTool(string tool) => Assert.SkipWhen(Which(tool) is null, $"needs '{tool}' (apt-get install; .ci/run installs it)");

    /// <summary>Skips the test with a reason unless the process is root with iproute2 (and the tools named) installed.</summary>
    public static void RequireRoot(params string[] tools)
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root to create network namespaces (.ci/run runs as root)");
        foreach (string tool in new[] { "ip" }.Concat(tools))
        {
            Assert.SkipWhen(Which(tool) is null, $"needs '{tool}' (apt-get install; .ci/run installs it)");
        }
    }

    /// <summary>Creates a lab with the named hosts; host i gets 198.51.100.(10 + i) and MAC 02:00:00:00:00:(10 + i).</summary>
    public static NetnsLab Create(params string[] hosts)
    {
        RemoveStale();
        var lab = new NetnsLab($"{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        try
        {
            lab.AddNamespace(lab.Bridge);
            Ip($"netns exec {lab.Bridge} ip link add br0 type bridge");
            Ip($"netns exec {lab.Bridge} ip link set br0 up");
            for (int i = 0; i < hosts.Length; i++)
            {
                string ns = lab.Namespace(hosts[i]);
                lab.AddNamespace(ns);

                // No duplicate address detection in the lab: link-local addresses are usable as soon as the link is up.
                Run("ip", $"netns exec {ns} sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0");
                Ip($"link add lab0 netns {ns} type veth peer name p{i + 1} netns {lab.Bridge}");
                Ip($"netns exec {lab.Bridge} ip link set p{i + 1} master br0 up");
                Ip($"netns exec {ns} ip link set lo up");
                Ip($"netns exec {ns} ip link set lab0 address {HostMac(i)}");
                Ip($"netns exec {ns} ip addr add {HostAddress(i)}/24 dev lab0");
                Ip($"netns exec {ns} ip addr add {HostAddress6(i)}/64 dev lab0");
                Ip($"netns exec {ns} ip link set lab0 up");
            }

            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    public static string HostAddress(int index) => $"198.51.100.{11 + index}";

    public static string HostAddress6(int index) => $"2001:db8:51::{11 + index}";

    public static string HostMac(int index) => $"02:00:00:00:00:{11 + index:x2}";

    public string Namespace(string host) => $"{Prefix}{_tag}-{host}";

    /// <summary>Adds a second link to a host, side0, whose veth peer side1 (in the same namespace) a capture can listen on.</summary>
    /// <returns>side0's MAC.</returns>
    public string AddSideLink(string host)
    {
        Exec(host, "ip link add side0 type veth peer name side1");
        Exec(host, "ip link set side1 up");
        Exec(host, "ip link set side0 up");
        return Exec(host, "cat /sys/class/net/side0/address").Trim();
    }

    /// <summary>Starts a program inside a host's namespace and keeps its output.</summary>
    public LabProcess Start(string host, string program, params string[] arguments) => StartIn(null, host, program, arguments);

    /// <summary>Starts a program inside a host's namespace from a working directory of the caller's choosing.</summary>
    public LabProcess StartIn(string? workingDirectory, string host, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (string argument in new[] { "netns", "exec", Namespace(host), program }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new LabProcess(Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start"), host);
        _processes.Add(process);
        return process;
    }

    public string Exec(string host, string command) => Run("ip", $"netns exec {Namespace(host)} {command}");

    public bool HasAddress(string host, string address) => Exec(host, "ip addr show dev lab0").Contains($" {address}/", StringComparison.Ordinal);

    public bool Ping(string host, string address) => TryRun("ip", $"netns exec {Namespace(host)} ping -c 1 -W 1 {address}", out _);

    /// <summary>The MAC the host's neighbour cache has for an address, or null.</summary>
    public string? Neighbor(string host, string address)
    {
        Match match = Regex.Match(Exec(host, $"ip neigh show {address}"), "lladdr ([0-9a-f:]{17})");
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>Polls a condition for up to five seconds.</summary>
    public static bool WaitUntil(Func<bool> condition)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return false;
    }

    public void SetLink(string host, bool up) => Exec(host, $"ip link set lab0 {(up ? "up" : "down")}");

    public void Dispose()
    {
        foreach (LabProcess process in _processes)
        {
            process.Kill();
        }

        foreach (string ns in _namespaces.AsEnumerable().Reverse())
        {
            RemoveMacvlanRecords(ns);
            TryRun("ip", $"netns del {ns}", out _);
        }
    }

    // A daemon killed in virtual MAC mode leaves its record of the parent's settings in /run/vrrp, named by the
    // namespace's inode: with the namespace gone, no run would ever take it up.
    private static void RemoveMacvlanRecords(string ns)
    {
        string path = $"/run/netns/{ns}";
        if (!File.Exists(path) || !Directory.Exists("/run/vrrp"))
        {
            return;
        }

        if (!TryRun("stat", $"-L -c %i {path}", out string inode))
        {
            return;
        }

        foreach (string record in Directory.GetFiles("/run/vrrp", $"macvlan-parent.net{inode.Trim()}.*").Concat(Directory.GetFiles("/run/vrrp", $"igmp-link-local-reports.net{inode.Trim()}")))
        {
            File.Delete(record);
        }
    }

    public static string? Which(string tool) =>
        new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    private void AddNamespace(string name)
    {
        Ip($"netns add {name}");
        _namespaces.Add(name);
    }

    private static void Ip(string arguments) => Run("ip", arguments);

    // Namespaces outlive the processes that made them: remove those whose creating test process is gone.
    private static void RemoveStale()
    {
        foreach (string line in Run("ip", "netns list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            Match match = StaleName().Match(name);
            if (match.Success && int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) is int pid && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                TryRun("ip", $"netns del {name}", out _);
            }
        }
    }

    public static string Run(string program, string arguments) =>
        TryRun(program, arguments, out string output) ? output : throw new InvalidOperationException($"{program} {arguments} failed: {output}");

    public static bool TryRun(string program, string arguments, out string output)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(true);
            output = "timeout";
            return false;
        }

        output = stdout.Result + stderr.Result;
        return process.ExitCode == 0;
    }

    [GeneratedRegex("^vrrpt-([0-9]+)-")]
    private static partial Regex StaleName();
}

/// <summary>A process the lab started, with its output lines and when each arrived.</summary>
internal sealed class LabProcess
{
    private readonly Process _process;
    private readonly List<(DateTimeOffset Time, string Line)> _lines = [];

    public LabProcess(Process process, string host)
    {
        _process = process;
        Host = host;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.StandardInput.Close();
    }

    public string Host { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.Select(l => l.Line));
            }
        }
    }

    /// <summary>Waits for a line containing <paramref name="text"/>; returns when it arrived, or null on timeout.</summary>
    public DateTimeOffset? WaitFor(string text, TimeSpan timeout, DateTimeOffset? after = null)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            lock (_lines)
            {
                foreach ((DateTimeOffset time, string line) in _lines)
                {
                    if ((after is null || time >= after) && line.Contains(text, StringComparison.Ordinal))
                    {
                        return time;
                    }
                }
            }

            Thread.Sleep(5);
        }

        return null;
    }

    /// <summary>Sends a signal to the process (the <c>ip netns exec</c> child execs the program, so the pid is the program's).</summary>
    public void Signal(string signal) => Process.Start("kill", $"-{signal} {_process.Id}")!.WaitForExit();

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add((DateTimeOffset.UtcNow, line));
            }
        }
    }
}
