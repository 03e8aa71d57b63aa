using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vrrp.Diagnostics;
using Vrrp.Protocol;

namespace Vrrp.Notifications;

/// <summary>
/// Delivers routers' and sync groups' state changes to awaited hooks and to recorders, after the protocol has acted,
/// in order per router, without ever blocking or failing a transition. Vrrp.Keepalived builds keepalived's notify
/// scripts, notify FIFO and state file on it.
/// </summary>
/// <remarks>
/// <para>
/// Give it to routers as their <see cref="IVrrpNotifier"/> (calling <see cref="RecordState"/> for routers that ran
/// before it, and <see cref="Forget"/> for routers that are gone), or <see cref="Attach(VirtualRouter)"/> it to routers
/// built elsewhere (not both). Where it hears a change it only tells the recorders (<see cref="IVrrpChangeRecorder"/>,
/// which must not block) and queues the change for each hook.
/// </para>
/// <para>
/// Each hook has its own lane per router or group: a queue and a loop that runs the hook for one
/// change at a time, in order. A hook that runs past its budget is cancelled and counted, and its lane moves on
/// even if the hook ignores the cancellation; a hook that throws is counted and logged.
/// </para>
/// <para>
/// A lane holds at most <see cref="LaneLimit"/> changes. Past that (a router flapping behind a slow hook, such as a
/// notify script), the newer changes are merged into one, from the state the queue ends in to the latest: the hook
/// still hears the latest state last, never a state the router has since left without what followed it. Merged changes
/// are counted (<see cref="CoalescedChanges"/>) and logged once per episode. On dispose, a lane whose hook is still
/// busy skips its queued changes but runs the last one, within <see cref="FinalHookBudget"/>.
/// </para>
/// <para>Add hooks and recorders before the first change; after it they are refused.</para>
/// </remarks>
public sealed class VrrpNotificationDispatcher : IVrrpNotifier, IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VrrpMetrics? _metrics;
    private readonly List<Handler> _handlers = [];
    private readonly ConcurrentDictionary<object, Lane[]> _lanes = new();
    private readonly List<IVrrpChangeRecorder> _recorders = [];
    private readonly List<LowerPriorityHook> _lowerPriorityHooks = [];
    private long _lowerPrioritySkipped;
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _frozen;
    private volatile bool _disposed;
    private long _hookOverruns;
    private long _hookFailures;
    private long _coalesced;

    /// <summary>Initializes a dispatcher.</summary>
    /// <param name="timeProvider">The clock of budgets; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Where hook failures and overruns are logged.</param>
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

    /// <summary>Gets how many changes were merged into a later one because their lane was full.</summary>
    public long CoalescedChanges => Interlocked.Read(ref _coalesced);

    /// <summary>Gets or sets how many changes a lane holds before newer ones are merged: 64 by default, at least 1.</summary>
    public int LaneLimit
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "LaneLimit must be at least 1.");
    } = 64;

    /// <summary>Gets or sets how long the last queued change of a lane may run on dispose: 5 s by default.</summary>
    public TimeSpan FinalHookBudget { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets how many runs of lower-priority hooks were skipped because the hook still ran for that router.</summary>
    public long LowerPriorityRunsSkipped => Interlocked.Read(ref _lowerPrioritySkipped);

    /// <summary>Gets the clock of budgets.</summary>
    public TimeProvider TimeProvider => _time;

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
        Add(new Handler(name, (source, change, token) => source.Router is { } router ? hook(router, change, token) : default, limit, ForGroups: false, SourceName: null));
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

    /// <summary>
    /// Adds a hook for the changes of routers and, when <paramref name="includeSyncGroups"/>, of sync groups (a group
    /// changes when all its members reach one state), or of the one router or group named <paramref name="sourceName"/>.
    /// </summary>
    /// <param name="name">Names the hook in logs and metrics.</param>
    /// <param name="hook">The hook; its token is cancelled when the budget runs out or the dispatcher stops.</param>
    /// <param name="budget">
    /// How long one run may take; <see cref="DefaultHookBudget"/> when <see langword="null"/>;
    /// <see cref="Timeout.InfiniteTimeSpan"/> for a hook that keeps its own time (keepalived's notify scripts).
    /// </param>
    /// <param name="sourceName">The one router or group whose changes the hook hears, or <see langword="null"/> for all.</param>
    /// <param name="includeSyncGroups">Whether the hook hears sync groups' changes too.</param>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddSourceHook(string name, Func<VrrpChangeSource, StateChange, CancellationToken, ValueTask> hook, TimeSpan? budget = null, string? sourceName = null, bool includeSyncGroups = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(hook);
        TimeSpan limit = budget ?? DefaultHookBudget;
        if (limit != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(budget));
        }

        Add(new Handler(name, hook, limit, ForGroups: includeSyncGroups, SourceName: sourceName));
    }

    /// <summary>
    /// Adds a hook run when a master hears a lower priority and answers it (<see cref="VirtualRouter.LowerPriorityHeard"/>,
    /// keepalived's <c>notify_master_rx_lower_pri</c>), at most once per advertisement interval per router. A run that
    /// comes while the hook still runs for that router is skipped and counted (<see cref="LowerPriorityRunsSkipped"/>):
    /// each run only says it happened again.
    /// </summary>
    /// <param name="name">Names the hook in logs.</param>
    /// <param name="hook">The hook; its token is cancelled when the budget runs out or the dispatcher stops.</param>
    /// <param name="budget">How long one run may take; <see cref="DefaultHookBudget"/> when <see langword="null"/>; <see cref="Timeout.InfiniteTimeSpan"/> for a hook that keeps its own time.</param>
    /// <param name="routerName">The one router whose events the hook hears, or <see langword="null"/> for all.</param>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddLowerPriorityHook(string name, Func<VirtualRouter, LowerPriorityAdvert, CancellationToken, ValueTask> hook, TimeSpan? budget = null, string? routerName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(hook);
        TimeSpan limit = budget ?? DefaultHookBudget;
        if (limit != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(budget));
        }

        lock (_handlers)
        {
            ThrowIfFrozen();
            _lowerPriorityHooks.Add(new LowerPriorityHook(name, hook, limit, routerName));
        }
    }

    /// <summary>
    /// Adds a recorder: it hears every change this dispatcher dispatches, where it hears it, in one order across
    /// routers and groups, before any hook; and the state of routers and groups that already run.
    /// </summary>
    /// <param name="recorder">The recorder; it must not block.</param>
    /// <exception cref="InvalidOperationException">A change was already dispatched.</exception>
    public void AddRecorder(IVrrpChangeRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        lock (_handlers)
        {
            ThrowIfFrozen();
            _recorders.Add(recorder);
        }
    }

    /// <summary>Listens to a router's changes through its <see cref="VirtualRouter.StateChanged"/> event, for a router built without this dispatcher as its notifier.</summary>
    /// <param name="router">The router.</param>
    /// <returns>Dispose it to stop.</returns>
    public IDisposable Attach(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        EventHandler<StateChange> handler = (_, change) => OnStateChanged(router, change);
        EventHandler<LowerPriorityAdvert> lower = (_, advert) => OnLowerPriorityHeard(router, advert);
        router.StateChanged += handler;
        router.LowerPriorityHeard += lower;
        RecordState(router);
        return new Detacher(() =>
        {
            router.StateChanged -= handler;
            router.LowerPriorityHeard -= lower;
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
        if (state != VrrpState.Initialize)
        {
            var source = VrrpChangeSource.Of(router);
            foreach (IVrrpChangeRecorder recorder in _recorders)
            {
                recorder.RecordRunning(source, state, router.Priority);
            }
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
    /// Reports a sync group's changes, as keepalived does, whenever all its members reach one state: to recorders and
    /// to the hooks that include sync groups, with priority 0.
    /// </summary>
    /// <remarks>A group whose members all run in one state already starts in it, and recorders hear of it at once.</remarks>
    /// <param name="group">The group.</param>
    /// <returns>Dispose it to stop.</returns>
    public IDisposable Attach(VrrpSyncGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var tracker = new GroupTracker(this, group);
        if (tracker.Seed() is { } state)
        {
            var source = VrrpChangeSource.Of(group);
            foreach (IVrrpChangeRecorder recorder in _recorders)
            {
                recorder.RecordRunning(source, state, 0);
            }
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
        Dispatch(VrrpChangeSource.Of(router), change);
    }

    /// <inheritdoc/>
    public void OnLowerPriorityHeard(VirtualRouter router, in LowerPriorityAdvert advert)
    {
        ArgumentNullException.ThrowIfNull(router);
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

        var source = VrrpChangeSource.Of(router);
        foreach (IVrrpChangeRecorder recorder in _recorders)
        {
            recorder.RecordLowerPriorityHeard(source, advert);
        }

        foreach (LowerPriorityHook hook in _lowerPriorityHooks)
        {
            if (hook.RouterName is null || hook.RouterName == router.Name)
            {
                if (hook.Running.TryAdd(router, 0))
                {
                    _ = RunLowerPriorityAsync(hook, router, advert);
                }
                else
                {
                    Interlocked.Increment(ref _lowerPrioritySkipped);
                }
            }
        }
    }

    /// <summary>Waits until every change dispatched so far has been through every hook.</summary>
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

    /// <summary>Stops the lanes, cancelling hooks that still run.</summary>
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
        _stopping.Dispose();
    }

    private void Dispatch(VrrpChangeSource source, in StateChange change)
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

        foreach (IVrrpChangeRecorder recorder in _recorders)
        {
            recorder.Record(source, change);
        }

        // Without hooks there is nothing to run: keep no lanes (hundreds of routers would each hold an entry).
        if (_handlers.Count == 0)
        {
            return;
        }

        foreach (Lane lane in _lanes.GetOrAdd(source.Subject, CreateLanes, source))
        {
            lane.Write(change);
        }
    }

    private Lane[] CreateLanes(object subject, VrrpChangeSource source)
    {
        var lanes = new List<Lane>();
        foreach (Handler handler in _handlers)
        {
            if ((!source.IsSyncGroup || handler.ForGroups) && (handler.SourceName is null || handler.SourceName == source.Name))
            {
                lanes.Add(new Lane(this, source, handler));
            }
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
            throw new InvalidOperationException("Add hooks and recorders before the routers start: a change was already dispatched.");
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
                StateChange? merged = lane.Read(item);
                if (item.Flushed is { } flushed)
                {
                    if (merged is { } change)
                    {
                        await RunOrSkipAsync(lane, change).ConfigureAwait(false);
                    }

                    flushed.TrySetResult();
                    continue;
                }

                await RunOrSkipAsync(lane, item.Change).ConfigureAwait(false);
                if (merged is { } next)
                {
                    await RunOrSkipAsync(lane, next).ConfigureAwait(false);
                }
            }
        }

        // The queue completed (the router is forgotten, or the dispatcher stops) with changes merged and not yet run.
        if (lane.TakeMerged() is { } last)
        {
            await RunOrSkipAsync(lane, last).ConfigureAwait(false);
        }

        // Stopping: the changes queued behind a busy hook were skipped, but the hook hears the last state once.
        if (lane.LastSkipped is { } final)
        {
            await RunOneAsync(lane, final, final: true).ConfigureAwait(false);
        }
    }

    private Task RunOrSkipAsync(Lane lane, StateChange change)
    {
        if (_stopping.IsCancellationRequested)
        {
            lane.LastSkipped = change;
            return Task.CompletedTask;
        }

        lane.LastSkipped = null;
        return RunOneAsync(lane, change);
    }

    private async Task RunOneAsync(Lane lane, StateChange change, bool final = false)
    {
        Handler handler = lane.Handler;
        long start = _time.GetTimestamp();
        TimeSpan limit = final && (handler.Budget == Timeout.InfiniteTimeSpan || handler.Budget > FinalHookBudget) ? FinalHookBudget : handler.Budget;
        using var budget = limit == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(limit, _time);
        using var linked = final ? CancellationTokenSource.CreateLinkedTokenSource(budget.Token) : CancellationTokenSource.CreateLinkedTokenSource(budget.Token, _stopping.Token);
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
            VrrpLog.HookOverrun(_logger, lane.Name, handler.Name, limit);
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

        _metrics?.RecordHook(lane.Name, handler.Name, _time.GetElapsedTime(start), outcome);
    }

    private async Task RunLowerPriorityAsync(LowerPriorityHook hook, VirtualRouter router, LowerPriorityAdvert advert)
    {
        await Task.Yield(); // off the listeners' lane before the hook runs
        using var budget = hook.Budget == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(hook.Budget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, _stopping.Token);
        try
        {
            await hook.Run(router, advert, linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            Interlocked.Increment(ref _hookOverruns);
            VrrpLog.HookOverrun(_logger, router.Name, hook.Name, hook.Budget);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // a hook's failure is counted and logged; it never reaches the router
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _hookFailures);
            VrrpLog.HookFailed(_logger, ex, router.Name, hook.Name);
        }
        finally
        {
            hook.Running.TryRemove(router, out _);
        }
    }

    private sealed record LowerPriorityHook(string Name, Func<VirtualRouter, LowerPriorityAdvert, CancellationToken, ValueTask> Run, TimeSpan Budget, string? RouterName)
    {
        // The routers it runs for now: one run per router at a time.
        public ConcurrentDictionary<VirtualRouter, byte> Running { get; } = new(ReferenceEqualityComparer.Instance);
    }

    private sealed record Handler(string Name, Func<VrrpChangeSource, StateChange, CancellationToken, ValueTask> Run, TimeSpan Budget, bool ForGroups, string? SourceName);

    private readonly record struct LaneItem(StateChange Change, TaskCompletionSource? Flushed);

    private sealed class Lane
    {
        private readonly VrrpNotificationDispatcher _owner;
        private readonly object _gate = new();
        private int _pending; // changes written to the queue and not yet read
        private StateChange? _merged; // the newer changes of a full lane, as one
        private bool _episode; // merging since the queue was last drained: logged once

        public Lane(VrrpNotificationDispatcher owner, VrrpChangeSource source, Handler handler)
        {
            _owner = owner;
            Source = source;
            Handler = handler;
            Loop = owner.RunAsync(this);
        }

        public VrrpChangeSource Source { get; }

        public string Name => Source.Name;

        public Handler Handler { get; }

        public Channel<LaneItem> Queue { get; } = Channel.CreateUnbounded<LaneItem>(new UnboundedChannelOptions { SingleReader = true });

        public Task Loop { get; }

        // Read by the lane's loop alone.
        public StateChange? LastSkipped { get; set; }

        // Once merging, every newer change joins the merged one, so the order holds; it ends when the queue is drained.
        public void Write(in StateChange change)
        {
            lock (_gate)
            {
                if (_merged is null && _pending < _owner.LaneLimit)
                {
                    _pending++;
                    Queue.Writer.TryWrite(new LaneItem(change, null));
                    return;
                }

                if (_merged is { } earlier)
                {
                    Interlocked.Increment(ref _owner._coalesced);
                    _merged = change with { From = earlier.From };
                }
                else
                {
                    _merged = change;
                }

                if (!_episode)
                {
                    _episode = true;
                    VrrpLog.HookLaneFull(_owner._logger, Name, Handler.Name, _owner.LaneLimit);
                }
            }
        }

        // Called for each item read: the merged change when it is next (the queue is drained), else null.
        public StateChange? Read(in LaneItem item)
        {
            lock (_gate)
            {
                if (item.Flushed is null)
                {
                    _pending--;
                }

                return _pending == 0 ? TakeMergedLocked() : null;
            }
        }

        public StateChange? TakeMerged()
        {
            lock (_gate)
            {
                return TakeMergedLocked();
            }
        }

        private StateChange? TakeMergedLocked()
        {
            StateChange? merged = _merged;
            _merged = null;
            _episode = false;
            if (merged is { } m && m.From == m.To)
            {
                Interlocked.Increment(ref _owner._coalesced); // flapped back to where it was: nothing to tell
                return null;
            }

            return merged;
        }
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
                owner.Dispatch(VrrpChangeSource.Of(group), groupChange);
            }
        }
    }
}
