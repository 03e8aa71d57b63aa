using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Vrrp.Keepalived.Checks;

namespace Vrrp.Keepalived.Notify;

/// <summary>
/// keepalived's <c>notify_fifo_script</c>: a script started once, with the notify FIFO's path as its last argument, that
/// reads the FIFO for as long as it runs. It has no timeout, as keepalived gives it none. When the FIFO is closed (and
/// removed, if vrrpd made it) the script reads end-of-file; one that is still running a moment later is stopped with
/// its whole process group: vrrpd leaves no child behind.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class NotifyFifoScript : IDisposable
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);
    private readonly Process _process;
    private readonly string _program;
    private readonly ILogger _logger;

    private NotifyFifoScript(Process process, string program, ILogger logger)
    {
        _process = process;
        _program = program;
        _logger = logger;
    }

    public int ProcessId => _process.Id;

    public static NotifyFifoScript Start(string commandLine, string? user, string fifo, ILogger logger)
    {
        List<string> words = NotifyScripts.Split(commandLine);
        words.Add(fifo);
        Process process = Process.Start(NotifyScriptRunner.StartInfo(words, user))
            ?? throw new VrrpConfigurationException([$"notify_fifo_script '{commandLine}' did not start."]);
        return new NotifyFifoScript(process, words[0], logger);
    }

    public void Dispose()
    {
        using (_process)
        {
            if (!_process.WaitForExit(ExitGrace))
            {
                ProcessGroupLeader.Kill(_process);
                _process.WaitForExit(ExitGrace);
            }

            if (_process.HasExited)
            {
                KeepalivedLog.ScriptExited(_logger, LogLevel.Information, "notify_fifo_script", _program, _process.ExitCode);
            }
        }
    }
}
