using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Keepalived.Notify;

/// <summary>
/// keepalived's notifications on a <see cref="VrrpNotificationDispatcher"/>: notify scripts per router and sync group
/// (<c>notify_master</c>, <c>notify_backup</c>, <c>notify_fault</c>, <c>notify_stop</c>, <c>notify</c>), the notify FIFO
/// (<c>INSTANCE "VI_1" MASTER 100</c> lines) and a state file with one such line per router and group.
/// </summary>
/// <remarks>
/// Scripts run on the dispatcher's lanes, one change at a time per router or group, in keepalived's order; the FIFO
/// and the state file record each change where the dispatcher hears it, in one order across routers. Add everything
/// before the routers' first change. Dispose it after the dispatcher: it closes the FIFO.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class KeepalivedNotifications : IVrrpChangeRecorder, IDisposable
{
    private readonly VrrpNotificationDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly HashSet<string> _scripted = new(StringComparer.Ordinal);
    private NotifyFifoWriter? _fifo;
    private NotifyFifoScript? _fifoScript;
    private string? _madeFifo; // made by us: removed on dispose, as keepalived removes the FIFO it made
    private StateFileWriter? _stateFile;
    private bool _recording;
    private long _scriptTimeouts;
    private long _scriptFailures;

    /// <summary>Initializes keepalived's notifications on a dispatcher.</summary>
    /// <param name="dispatcher">The dispatcher the routers and groups report to.</param>
    /// <param name="logger">Where script exit codes, FIFO and state file failures are logged.</param>
    public KeepalivedNotifications(VrrpNotificationDispatcher dispatcher, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        _dispatcher = dispatcher;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets how many notify scripts were killed at their timeout.</summary>
    public long ScriptTimeouts => Interlocked.Read(ref _scriptTimeouts);

    /// <summary>Gets how many notify scripts could not start or exited with a code other than 0.</summary>
    public long ScriptFailures => Interlocked.Read(ref _scriptFailures);

    /// <summary>Gets how many FIFO lines were dropped because no reader drained the FIFO.</summary>
    public long FifoLinesDropped => _fifo?.Dropped ?? 0;

    /// <summary>Adds keepalived notify scripts for the router (or sync group) named <paramref name="name"/>.</summary>
    /// <param name="name">The router's <see cref="VirtualRouter.Name"/> or the group's <see cref="VrrpSyncGroup.Name"/>; scripts get it as NAME.</param>
    /// <param name="scripts">The scripts.</param>
    /// <exception cref="VrrpConfigurationException">A path is relative or missing, the timeout is not positive, or scripts were already given for the name.</exception>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddNotifyScripts(string name, NotifyScripts scripts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(scripts);
        IReadOnlyList<string> errors = scripts.Validate(name);
        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }

        if (!_scripted.Add(name))
        {
            throw new VrrpConfigurationException([$"{name}: notify scripts were already given."]);
        }

        NotifyScriptRunner? routerRunner = null, groupRunner = null;
        _dispatcher.AddSourceHook(
            "notify-scripts",
            (source, change, token) =>
            {
                // One runner for the name as a router and one as a group: the type is an argument of the script.
                NotifyScriptRunner runner = source.IsSyncGroup
                    ? groupRunner ??= new NotifyScriptRunner(name, "GROUP", scripts, _dispatcher.TimeProvider, _logger, this)
                    : routerRunner ??= new NotifyScriptRunner(name, "INSTANCE", scripts, _dispatcher.TimeProvider, _logger, this);
                return runner.RunAsync(change.To, change.Priority, token);
            },
            Timeout.InfiniteTimeSpan, // scripts keep their own timeout, and kill what overruns it
            sourceName: name,
            includeSyncGroups: true);

        if (scripts.NotifyMasterRxLowerPriority is { } lowerPriority)
        {
            NotifyScriptRunner runner = new(name, "INSTANCE", scripts, _dispatcher.TimeProvider, _logger, this);
            _dispatcher.AddLowerPriorityHook("notify-master-rx-lower-pri", (_, _, token) => runner.RunAsync(lowerPriority, token), Timeout.InfiniteTimeSpan, routerName: name);
        }
    }

    /// <summary>
    /// Writes keepalived's notify lines (<c>INSTANCE "VI_1" MASTER 100</c>) to the FIFO at <paramref name="path"/>, made
    /// (mode 0644) when nothing is there and removed on dispose, as keepalived does; with <paramref name="script"/>
    /// (<c>notify_fifo_script</c>), starts it once with the FIFO's path as its last argument, as <paramref name="user"/>.
    /// </summary>
    /// <param name="path">The FIFO's full path.</param>
    /// <param name="script">The script that reads the FIFO, or <see langword="null"/>.</param>
    /// <param name="user">The script's user and group (<c>USER [GROUP]</c>), or <see langword="null"/> for vrrpd's own.</param>
    /// <exception cref="VrrpConfigurationException">The path is relative, is not a FIFO, or a FIFO was already given; or the script did not start.</exception>
    public void AddNotifyFifo(string path, string? script = null, string? user = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Path.IsPathFullyQualified(path))
        {
            throw new VrrpConfigurationException([$"notify_fifo '{path}' is a relative path; give a full path (starting with '/')."]);
        }

        if (_fifo is not null)
        {
            throw new VrrpConfigurationException([$"notify_fifo was already given ('{_fifo.Path}')."]);
        }

        // keepalived makes a missing FIFO; what is there already is used only if it is a FIFO (checked on open).
        bool made = !File.Exists(path) && Vrrp.Linux.Interop.FileDescriptors.TryMakeFifo(path);
        if (!made && !File.Exists(path))
        {
            throw new VrrpConfigurationException([$"notify_fifo '{path}' does not exist and cannot be made; does its directory exist?"]);
        }

        try
        {
            StartRecording();
            _fifo = new NotifyFifoWriter(path, _logger);
            _madeFifo = made ? path : null;
            if (script is not null)
            {
                if (NotifyScripts.Split(script) is not [{ } program, ..] || !Path.IsPathFullyQualified(program))
                {
                    throw new VrrpConfigurationException([$"notify_fifo_script '{script}' must start with a full path."]);
                }

                _fifoScript = NotifyFifoScript.Start(script, user, path, _logger);
            }
        }
        catch
        {
            if (made)
            {
                File.Delete(path);
            }

            throw;
        }
    }

    /// <summary>Gets the process id of the running <c>notify_fifo_script</c>, or null.</summary>
    public int? NotifyFifoScriptProcessId => _fifoScript?.ProcessId;

    /// <summary>Keeps a file with one keepalived notify line per router and group: its current state, rewritten atomically on each change.</summary>
    /// <param name="path">A full path in a writable directory.</param>
    /// <exception cref="VrrpConfigurationException">The path is relative, its directory is missing, or a state file was already given.</exception>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddStateFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Path.IsPathFullyQualified(path))
        {
            throw new VrrpConfigurationException([$"State file '{path}' is a relative path; give a full path (starting with '/')."]);
        }

        if (!Directory.Exists(Path.GetDirectoryName(path)))
        {
            throw new VrrpConfigurationException([$"State file '{path}': its directory does not exist."]);
        }

        if (_stateFile is not null)
        {
            throw new VrrpConfigurationException([$"A state file was already given ('{_stateFile.Path}')."]);
        }

        var writer = new StateFileWriter(path, _logger);
        StartRecording();
        _stateFile = writer;

        // Recorded in order where the change is heard; written (a file and a rename) off the protocol's path.
        _dispatcher.AddSourceHook(
            "state-file",
            (_, _, _) =>
            {
                writer.Write();
                return default;
            },
            Timeout.InfiniteTimeSpan,
            sourceName: null,
            includeSyncGroups: true);
    }

    /// <inheritdoc/>
    void IVrrpChangeRecorder.Record(VrrpChangeSource source, in StateChange change)
    {
        string type = source.IsSyncGroup ? "GROUP" : "INSTANCE";
        _fifo?.Write(KeepalivedFormat.FifoLine(type, source.Name, change.To, change.Priority));
        _stateFile?.Record(type, source.Name, change.To, change.Priority);
    }

    /// <inheritdoc/>
    void IVrrpChangeRecorder.RecordLowerPriorityHeard(VrrpChangeSource source, in LowerPriorityAdvert advert) =>
        _fifo?.Write(KeepalivedFormat.FifoEventLine("INSTANCE", source.Name, "MASTER_RX_LOWER_PRI", advert.OurPriority));

    void IVrrpChangeRecorder.RecordRunning(VrrpChangeSource source, VrrpState state, int priority)
    {
        if (_stateFile is { } stateFile && stateFile.RecordIfAbsent(source.IsSyncGroup ? "GROUP" : "INSTANCE", source.Name, state, priority))
        {
            stateFile.Write();
        }
    }

    /// <summary>Closes the FIFO (removing it if it was made here) and stops the <c>notify_fifo_script</c>.</summary>
    public void Dispose()
    {
        // Removed first, so that a script that reopens the FIFO when it closes cannot find it again (keepalived's order).
        if (_madeFifo is not null)
        {
            File.Delete(_madeFifo);
        }

        _fifo?.Dispose();
        _fifoScript?.Dispose();
    }

    internal void OnScriptExited(int exitCode)
    {
        if (exitCode != 0)
        {
            Interlocked.Increment(ref _scriptFailures);
        }
    }

    internal void OnScriptFailed() => Interlocked.Increment(ref _scriptFailures);

    internal void OnScriptTimedOut() => Interlocked.Increment(ref _scriptTimeouts);

    private void StartRecording()
    {
        if (!_recording)
        {
            _dispatcher.AddRecorder(this); // throws once a change was dispatched, before anything is opened
            _recording = true;
        }
    }
}
