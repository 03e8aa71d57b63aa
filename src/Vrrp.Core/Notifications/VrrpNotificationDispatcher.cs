using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vrrp.Diagnostics;
using Vrrp.Protocol;

namespace Vrrp.Notifications;

/// <summary>
/// Delivers routers' state changes to awaited hooks, keepalived notify scripts, a keepalived notify FIFO and a state
/// file, after the protocol has acted, in order per router, without ever blocking or failing a transition.
/// </summary>
/// <remarks>
/// <para>
/// Give it to routers as their <see cref="IVrrpNotifier"/> (calling <see cref="RecordState"/> for routers that ran
/// before it, and <see cref="Forget"/> for routers that are gone), or <see cref="Attach(VirtualRouter)"/> it to routers
/// built elsewhere (not both). On the router's event path it only records the change and queues it: the FIFO line goes into an
/// in-memory pipe, the state file's table is updated, and the change is queued for each hook.
/// </para>
/// <para>
/// Each hook (and each router's scripts) has its own lane per router: a queue and a loop that runs the hook for one
/// change at a time, in order. A hook that runs past its budget is cancelled and counted, and its lane moves on
/// even if the hook ignores the cancellation; a hook that throws is counted and logged. Lanes are unbounded:
/// changes come from protocol timers (a handful per advertisement interval at the worst flapping), each
/// lane drains one change per budget at most, and dropping a change would break the order hooks rely on.
/// </para>
/// <para>Add hooks, scripts, the FIFO and the state file before the first change; after it they are refused.</para>
/// </remarks>
public sealed class VrrpNotificationDispatcher : IVrrpNotifier, IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VrrpMetrics? _metrics;
    private readonly List<Handler> _handlers = [];
    private readonly ConcurrentDictionary<object, Lane[]> _lanes = new();
    private readonly Dictionary<string, NotifyScripts> _scripts = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private NotifyFifoWriter? _fifo;
    private StateFileWriter? _stateFile;
    private volatile bool _frozen;
    private volatile bool _disposed;
    private long _hookOverruns;
    private long _hookFailures;
    private long _scriptTimeouts;
    private long _scriptFailures;

    /// <summary>Initializes a dispatcher.</summary>
    /// <param name="timeProvider">The clock of budgets and script timeouts; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Where hook failures, overruns and script exit codes are logged.</param>
    /// <param name="metrics">Records hook latency, overruns and failures, when given.</param>
    /// <param name="defaultHookBudget">How long a hook may run when it was added without a budget; 5 s by default.</param>
    public VrrpNotificationDispatcher(TimeProvider? timeProvider = null, ILogger? logger = null, VrrpMetrics? metrics = null, TimeSpan? defaultHookBudget = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        DefaultHookBudget = defaultHookBudget ?? TimeSpan.FromSeconds(5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DefaultHookBudget, TimeSpan.Zero, nameof(defaultHookBudget));
    }

    /// <summary>Gets the budget of hooks added without one.</summary>
    public TimeSpan DefaultHookBudget { get; }

    /// <summary>Gets how many hook runs were cancelled for overrunning their budget.</summary>
    public long HookOverruns => Interlocked.Read(ref _hookOverruns);

    /// <summary>Gets how many hook runs threw.</summary>
    public long HookFailures => Interlocked.Read(ref _hookFailures);

    /// <summary>Gets how many notify scripts were killed at their timeout.</summary>
    public long ScriptTimeouts => Interlocked.Read(ref _scriptTimeouts);

    /// <summary>Gets how many notify scripts could not start or exited with a code other than 0.</summary>
    public long ScriptFailures => Interlocked.Read(ref _scriptFailures);

    /// <summary>Gets how many FIFO lines were dropped because no reader drained the FIFO.</summary>
    public long FifoLinesDropped => _fifo?.Dropped ?? 0;

    /// <summary>Adds a hook run for every change of every router, after the protocol has acted, in order per router.</summary>
    /// <param name="name">Names the hook in logs and metrics.</param>
    /// <param name="hook">The hook; its token is cancelled when the budget runs out.</param>
    /// <param name="budget">How long one run may take; <see cref="DefaultHookBudget"/> when <see langword="null"/>.</param>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddHook(string name, Func<VirtualRouter, StateChange, CancellationToken, ValueTask> hook, TimeSpan? budget = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(hook);
        TimeSpan limit = budget ?? DefaultHookBudget;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(budget));
        Add(new Handler(name, (source, change, token) => source is VirtualRouter router ? hook(router, change, token) : default, limit, IsHook: true, ForGroups: false));
    }

    /// <summary>Adds a hook for the changes of the router named <paramref name="routerName"/> alone.</summary>
    /// <param name="routerName">The router's <see cref="VirtualRouter.Name"/>.</param>
    /// <param name="name">Names the hook in logs and metrics.</param>
    /// <param name="hook">The hook; its token is cancelled when the budget runs out.</param>
    /// <param name="budget">How long one run may take; <see cref="DefaultHookBudget"/> when <see langword="null"/>.</param>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddRouterHook(string routerName, string name, Func<StateChange, CancellationToken, ValueTask> hook, TimeSpan? budget = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(routerName);
        ArgumentNullException.ThrowIfNull(hook);
        AddHook(name, (router, change, token) => router.Name == routerName ? hook(change, token) : default, budget);
    }

    /// <summary>Adds keepalived notify scripts for the router (or sync group) named <paramref name="name"/>.</summary>
    /// <param name="name">The router's <see cref="VirtualRouter.Name"/> or the group's <see cref="VrrpSyncGroup.Name"/>; scripts get it as NAME.</param>
    /// <param name="scripts">The scripts.</param>
    /// <exception cref="VrrpConfigurationException">A path is relative or missing, or the timeout is not positive.</exception>
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

        lock (_handlers)
        {
            ThrowIfFrozen();
            if (!_scripts.TryAdd(name, scripts))
            {
                throw new VrrpConfigurationException([$"{name}: notify scripts were already given."]);
            }
        }
    }

    /// <summary>Writes keepalived's notify lines (<c>INSTANCE "VI_1" MASTER 100</c>) to an existing FIFO (keepalived's <c>notify_fifo</c>).</summary>
    /// <param name="path">A full path to a FIFO made with <c>mkfifo</c>.</param>
    /// <exception cref="VrrpConfigurationException">The path is relative or does not exist, or a FIFO was already given.</exception>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddNotifyFifo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Path.IsPathFullyQualified(path))
        {
            throw new VrrpConfigurationException([$"notify_fifo '{path}' is a relative path; give a full path (starting with '/')."]);
        }

        if (!File.Exists(path))
        {
            throw new VrrpConfigurationException([$"notify_fifo '{path}' does not exist; create it with mkfifo."]);
        }

        lock (_handlers)
        {
            ThrowIfFrozen();
            if (_fifo is not null)
            {
                throw new VrrpConfigurationException([$"notify_fifo was already given ('{_fifo.Path}')."]);
            }

            _fifo = new NotifyFifoWriter(path, _logger);
        }
    }

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

        lock (_handlers)
        {
            ThrowIfFrozen();
            if (_stateFile is not null)
            {
                throw new VrrpConfigurationException([$"A state file was already given ('{_stateFile.Path}')."]);
            }

            var writer = new StateFileWriter(path, _logger);
            _stateFile = writer;
            _handlers.Add(new Handler("state-file", (_, _, _) =>
            {
                writer.Write();
                return default;
            }, Timeout.InfiniteTimeSpan, IsHook: false, ForGroups: true));
        }
    }

    /// <summary>Listens to a router's changes through its <see cref="VirtualRouter.StateChanged"/> event, for a router built without this dispatcher as its notifier.</summary>
    /// <param name="router">The router.</param>
    /// <returns>Dispose it to stop.</returns>
    public IDisposable Attach(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        EventHandler<StateChange> handler = (_, change) => OnStateChanged(router, change);
        router.StateChanged += handler;
        RecordState(router);
        return new Detacher(() =>
        {
            router.StateChanged -= handler;
            Forget(router);
        });
    }

    /// <summary>
    /// Puts a router that runs already in the state file, in the state it is in now, unless a change of it was
    /// recorded first: for a router kept across a reload that made this dispatcher, which has no change to report.
    /// <see cref="Attach(VirtualRouter)"/> does this too.
    /// </summary>
    /// <param name="router">The router.</param>
    public void RecordState(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        VrrpState state = router.State;
        if (state != VrrpState.Initialize && _stateFile is { } stateFile && stateFile.RecordIfAbsent("INSTANCE", router.Name, state, router.Priority))
        {
            stateFile.Write();
        }
    }

    /// <summary>
    /// Lets go of a router that is gone (replaced by a reload, or disposed): its lanes finish the changes already
    /// queued and end. Disposing what <see cref="Attach(VirtualRouter)"/> returned does this too.
    /// </summary>
    /// <param name="router">The router.</param>
    public void Forget(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (_lanes.TryRemove(router, out Lane[]? lanes))
        {
            foreach (Lane lane in lanes)
            {
                lane.Queue.Writer.TryComplete();
            }
        }
    }

    /// <summary>
    /// Reports a sync group's changes as keepalived does: a <c>GROUP "NAME" STATE 0</c> line on the FIFO and state file,
    /// and the group's notify scripts, whenever all its members reach one state.
    /// </summary>
    /// <remarks>A group whose members all run in one state already starts in it, and is put in the state file at once.</remarks>
    /// <param name="group">The group.</param>
    /// <returns>Dispose it to stop.</returns>
    public IDisposable Attach(VrrpSyncGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var tracker = new GroupTracker(this, group);
        if (tracker.Seed() is { } state && _stateFile is { } stateFile && stateFile.RecordIfAbsent("GROUP", group.Name, state, 0))
        {
            stateFile.Write();
        }

        foreach (VirtualRouter member in group.Members)
        {
            member.StateChanged += tracker.OnMemberChanged;
        }

        return new Detacher(() =>
        {
            foreach (VirtualRouter member in group.Members)
            {
                member.StateChanged -= tracker.OnMemberChanged;
            }
        });
    }

    /// <inheritdoc/>
    public void OnStateChanged(VirtualRouter router, in StateChange change)
    {
        ArgumentNullException.ThrowIfNull(router);
        Dispatch(router, router.Name, "INSTANCE", change);
    }

    /// <summary>Waits until every change dispatched so far has been through every hook, script and the state file.</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes when they have.</returns>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var waits = new List<Task>();
        foreach (Lane[] lanes in _lanes.Values)
        {
            foreach (Lane lane in lanes)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (lane.Queue.Writer.TryWrite(new LaneItem(default, done)))
                {
                    waits.Add(done.Task);
                }
            }
        }

        return Task.WhenAll(waits).WaitAsync(cancellationToken);
    }

    /// <summary>Stops the lanes (cancelling hooks that still run) and closes the FIFO.</summary>
    /// <returns>A task that completes when the lanes have stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_handlers)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _frozen = true;
        }

        var loops = new List<Task>();
        foreach (Lane[] lanes in _lanes.Values)
        {
            foreach (Lane lane in lanes)
            {
                lane.Queue.Writer.TryComplete();
                loops.Add(lane.Loop);
            }
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        _fifo?.Dispose();
        _stopping.Dispose();
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

    private void Dispatch(object source, string name, string type, in StateChange change)
    {
        if (!_frozen)
        {
            lock (_handlers)
            {
                _frozen = true;
            }
        }

        if (_disposed)
        {
            return;
        }

        int priority = type == "GROUP" ? 0 : change.Priority;
        _fifo?.Write(KeepalivedFormat.FifoLine(type, name, change.To, priority));
        _stateFile?.Record(type, name, change.To, priority);

        // Without hooks, scripts or a state file there is nothing to run: keep no lanes (hundreds of routers would
        // each hold an entry).
        if (_handlers.Count == 0 && _scripts.Count == 0)
        {
            return;
        }

        foreach (Lane lane in _lanes.GetOrAdd(source, CreateLanes, (name, type)))
        {
            lane.Queue.Writer.TryWrite(new LaneItem(change, null));
        }
    }

    private Lane[] CreateLanes(object source, (string Name, string Type) key)
    {
        var lanes = new List<Lane>();
        bool group = key.Type == "GROUP";
        foreach (Handler handler in _handlers)
        {
            if (!group || handler.ForGroups)
            {
                lanes.Add(new Lane(this, source, key.Name, handler));
            }
        }

        if (_scripts.TryGetValue(key.Name, out NotifyScripts? scripts))
        {
            var runner = new NotifyScriptRunner(key.Name, key.Type, scripts, _time, _logger, this);
            int priorityOffset = group ? 0 : 1;
            lanes.Add(new Lane(this, source, key.Name, new Handler(
                "notify-scripts",
                (_, change, token) => runner.RunAsync(change.To, priorityOffset * change.Priority, token),
                Timeout.InfiniteTimeSpan,
                IsHook: false,
                ForGroups: true)));
        }

        return [.. lanes];
    }

    private void Add(Handler handler)
    {
        lock (_handlers)
        {
            ThrowIfFrozen();
            _handlers.Add(handler);
        }
    }

    private void ThrowIfFrozen()
    {
        if (_frozen)
        {
            throw new InvalidOperationException("Add hooks, scripts, the FIFO and the state file before the routers start: a change was already dispatched.");
        }
    }

    private async Task RunAsync(Lane lane)
    {
        // Off the router's event path before the first hook runs.
        await Task.Yield();
        ChannelReader<LaneItem> reader = lane.Queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out LaneItem item))
            {
                if (item.Flushed is { } flushed)
                {
                    flushed.TrySetResult();
                }
                else if (!_stopping.IsCancellationRequested)
                {
                    await RunOneAsync(lane, item.Change).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task RunOneAsync(Lane lane, StateChange change)
    {
        Handler handler = lane.Handler;
        long start = _time.GetTimestamp();
        using var budget = new CancellationTokenSource(handler.Budget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, _stopping.Token);
        string outcome = "ok";
        Task? run = null;
        try
        {
            run = handler.Run(lane.Source, change, linked.Token).AsTask();

            // WaitAsync: a hook that ignores its token is left behind, and the lane moves on.
            await run.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            outcome = "overrun";
            Interlocked.Increment(ref _hookOverruns);
            VrrpLog.HookOverrun(_logger, lane.Name, handler.Name, handler.Budget);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            outcome = "cancelled";
        }
#pragma warning disable CA1031 // a hook's failure is counted and logged; it never reaches the router
        catch (Exception ex)
#pragma warning restore CA1031
        {
            outcome = "failed";
            Interlocked.Increment(ref _hookFailures);
            VrrpLog.HookFailed(_logger, ex, lane.Name, handler.Name);
        }

        if (run is { IsCompleted: false })
        {
            _ = run.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        if (handler.IsHook)
        {
            _metrics?.RecordHook(lane.Name, handler.Name, _time.GetElapsedTime(start), outcome);
        }
    }

    private sealed record Handler(string Name, Func<object, StateChange, CancellationToken, ValueTask> Run, TimeSpan Budget, bool IsHook, bool ForGroups);

    private readonly record struct LaneItem(StateChange Change, TaskCompletionSource? Flushed);

    private sealed class Lane
    {
        public Lane(VrrpNotificationDispatcher owner, object source, string name, Handler handler)
        {
            Source = source;
            Name = name;
            Handler = handler;
            Loop = owner.RunAsync(this);
        }

        public object Source { get; }

        public string Name { get; }

        public Handler Handler { get; }

        public Channel<LaneItem> Queue { get; } = Channel.CreateUnbounded<LaneItem>(new UnboundedChannelOptions { SingleReader = true });

        public Task Loop { get; }
    }

    private sealed class Detacher(Action detach) : IDisposable
    {
        private Action? _detach = detach;

        public void Dispose() => Interlocked.Exchange(ref _detach, null)?.Invoke();
    }

    private sealed class GroupTracker(VrrpNotificationDispatcher owner, VrrpSyncGroup group)
    {
        private readonly object _gate = new();
        private VrrpState _state = VrrpState.Initialize;

        // A group whose members all run in one state already (kept across a reload) starts in that state.
        public VrrpState? Seed()
        {
            VrrpState? common = null;
            foreach (VirtualRouter member in group.Members)
            {
                VrrpState state = member.State;
                if (state == VrrpState.Initialize || (common is { } c && c != state))
                {
                    return null;
                }

                common = state;
            }

            if (common is { } seeded)
            {
                lock (_gate)
                {
                    _state = seeded;
                }
            }

            return common;
        }

        public void OnMemberChanged(object? sender, StateChange change)
        {
            foreach (VirtualRouter member in group.Members)
            {
                if (member.State != change.To)
                {
                    return;
                }
            }

            lock (_gate)
            {
                if (_state == change.To)
                {
                    return;
                }

                var groupChange = new StateChange(_state, change.To, change.Reason, 0, default, change.Timestamp);
                _state = change.To;
                owner.Dispatch(group, group.Name, "GROUP", groupChange);
            }
        }
    }
}
