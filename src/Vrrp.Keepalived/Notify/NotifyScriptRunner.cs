using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Vrrp.Notifications;
using Vrrp.Keepalived.Checks;
using Vrrp.Protocol;

namespace Vrrp.Keepalived.Notify;

/// <summary>Runs one owner's keepalived notify scripts for a change, in keepalived's order: the per-state script, then <c>notify</c>.</summary>
[SupportedOSPlatform("linux")]
internal sealed class NotifyScriptRunner
{
    private readonly string _owner;
    private readonly string _type;
    private readonly NotifyScripts _scripts;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KeepalivedNotifications _counters;

    public NotifyScriptRunner(string owner, string type, NotifyScripts scripts, TimeProvider time, ILogger logger, KeepalivedNotifications counters)
    {
        _owner = owner;
        _type = type;
        _scripts = scripts;
        _time = time;
        _logger = logger;
        _counters = counters;
    }

    public async ValueTask RunAsync(VrrpState state, int priority, CancellationToken cancellationToken)
    {
        if (_scripts.ForState(state) is { } stateScript)
        {
            await RunOneAsync(NotifyScripts.Split(stateScript), cancellationToken).ConfigureAwait(false);
        }

        if (_scripts.Notify is { } notify)
        {
            List<string> words = NotifyScripts.Split(notify);
            words.Add(_type);
            words.Add(_owner);
            words.Add(KeepalivedFormat.StateName(state));
            words.Add(priority.ToString(CultureInfo.InvariantCulture));
            await RunOneAsync(words, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a script as configured, with no arguments appended (keepalived's notify_master_rx_lower_pri).</summary>
    public async ValueTask RunAsync(string commandLine, CancellationToken cancellationToken) =>
        await RunOneAsync(NotifyScripts.Split(commandLine), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// How a script starts: by absolute path (validated), as the configured user (script_user) through runuser when
    /// one is given, as the leader of a process group of its own.
    /// </summary>
    internal static ProcessStartInfo StartInfo(List<string> words, string? userAndGroup)
    {
        var start = new ProcessStartInfo { UseShellExecute = false };
        string[] user = userAndGroup?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (user.Length > 0)
        {
            start.FileName = SafeProgramPath.Resolve("runuser") ?? "/usr/sbin/runuser";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(user[0]);
            if (user.Length > 1)
            {
                start.ArgumentList.Add("-g");
                start.ArgumentList.Add(user[1]);
            }

            start.ArgumentList.Add("--");
            start.ArgumentList.Add(words[0]);
        }
        else
        {
            start.FileName = words[0];
        }

        for (int i = 1; i < words.Count; i++)
        {
            start.ArgumentList.Add(words[i]);
        }

        ProcessGroupLeader.Wrap(start);
        return start;
    }

    private async Task RunOneAsync(List<string> words, CancellationToken cancellationToken)
    {
        ProcessStartInfo start = StartInfo(words, _scripts.User);
        // The timeout runs from before the start, so that a clock advanced by a test once the script runs always fires it.
        using var timeout = new CancellationTokenSource(_scripts.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        Process? process;
        try
        {
            process = Process.Start(start);
        }
#pragma warning disable CA1031 // a script that cannot start is logged; the next change still runs
        catch (Exception ex)
#pragma warning restore CA1031
        {
            KeepalivedLog.ScriptFailedToStart(_logger, ex, _owner, words[0]);
            _counters.OnScriptFailed();
            return;
        }

        if (process is null)
        {
            return;
        }

        using (process)
        {
            try
            {
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
                int code = process.ExitCode;
                KeepalivedLog.ScriptExited(_logger, code == 0 ? LogLevel.Information : LogLevel.Warning, _owner, words[0], code);
                _counters.OnScriptExited(code);
            }
            catch (OperationCanceledException)
            {
                ProcessGroupLeader.Kill(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                if (timeout.IsCancellationRequested)
                {
                    KeepalivedLog.ScriptTimedOut(_logger, _owner, words[0], _scripts.Timeout);
                    _counters.OnScriptTimedOut();
                }
            }
        }
    }
}
