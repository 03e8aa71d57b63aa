using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Vrrp.Election.Harness;

/// <summary>An elector process, started and stopped by its pid, and what it reports of its belief.</summary>
internal sealed partial class ElectorProcess : IDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly Beliefs _beliefs;
    private Process? _process;

    public ElectorProcess(string name, IEnumerable<string> arguments, Beliefs beliefs, IDictionary<string, string> environment)
    {
        Name = name;
        _beliefs = beliefs;
        _start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        _start.ArgumentList.Add(typeof(ElectorProcess).Assembly.Location);
        foreach (string argument in arguments)
        {
            _start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment)
        {
            _start.Environment[key] = value;
        }
    }

    public string Name { get; }

    public int Pid => _process?.Id ?? 0;

    public void Start()
    {
        var ready = new TaskCompletionSource();
        var process = Process.Start(_start)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            string[] parts = line.Split(' ');
            switch (parts[0])
            {
                case "READY": ready.TrySetResult(); break;
                case "B+": _beliefs.Begin(Name, long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)); break;
                case "B-": _beliefs.End(Name, long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)); break;
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                Console.Error.WriteLine($"[{Name}] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (!ready.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"elector {Name} did not start");
        }
    }

    public void Send(string command)
    {
        _process!.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>SIGKILL by pid; the elector's open belief ends at its last report (it can act no more).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }

        _beliefs.Killed(Name);
        _process?.Dispose();
        _process = null;
    }

    public void Pause() => Signal(19); // SIGSTOP

    public void Resume() => Signal(18); // SIGCONT

    public void Dispose() => Kill();

    private void Signal(int signal)
    {
        if (SysKill(Pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
