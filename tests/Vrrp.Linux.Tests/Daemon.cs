using System.Diagnostics;
using System.Globalization;

namespace Vrrp.Linux.Tests;

/// <summary>Starts vrrpd (src/Vrrp.Daemon) in a lab namespace with a generated configuration.</summary>
internal static class Daemon
{
    public const string VirtualAddress = "198.51.100.100";

    public static LabProcess Start(NetnsLab lab, string host, int priority, int intervalMs = 100, string extra = "", string addresses = $"\"{VirtualAddress}/24\"", string? notifySocket = null)
    {
        string config = Path.Combine(Path.GetTempPath(), $"vrrpd-{lab.Namespace(host)}.json");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $$"""
            { "routers": [ { "name": "VI_51", "interface": "lab0", "virtualRouterId": 51, "priority": {{priority}},
              "advertisementInterval": "{{TimeSpan.FromMilliseconds(intervalMs):c}}", "virtualAddresses": [{{addresses}}] {{extra}} } ] }
            """));
        string[] daemon = ["dotnet", Path.Combine(AppContext.BaseDirectory, "vrrpd.dll"), config, "--require-netns", "--control", ControlSocket(lab, host)];
        LabProcess process = notifySocket is null
            ? lab.Start(host, daemon[0], daemon[1..])
            : lab.Start(host, "env", [$"NOTIFY_SOCKET={notifySocket}", .. daemon]); // env execs the daemon: the pid is vrrpd's
        Assert.True(process.WaitFor("ready", TimeSpan.FromSeconds(20)) is not null, $"vrrpd in {host} did not start: {process.Output}");
        return process;
    }

    /// <summary>The daemon's control socket: one per lab host, as the hosts share the file system.</summary>
    public static string ControlSocket(NetnsLab lab, string host) => Path.Combine(Path.GetTempPath(), $"vrrpd-{lab.Namespace(host)}.sock");

    /// <summary>Runs vrrpctl in the host's namespace against its daemon and returns what it printed.</summary>
    public static string Control(NetnsLab lab, string host, string command) =>
        lab.Exec(host, $"dotnet {Path.Combine(AppContext.BaseDirectory, "vrrpctl.dll")} --socket {ControlSocket(lab, host)} {command}");

    /// <summary>Runs <c>vrrpd --check -f PATH</c> (no namespace needed: it only reads the file) and returns its exit code and output.</summary>
    public static (int Code, string Output) Check(string path)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "vrrpd.dll"), "--check", "-f", path })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        return (process.ExitCode, output);
    }
}
