using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vrrp.Health;

/// <summary>
/// Runs an <see cref="IVrrpHealthCheck"/> every <see cref="ScheduledCheckOptions.Interval"/> with keepalived's
/// <c>vrrp_script</c> semantics and reports its health into <see cref="Tracked"/>, which routers track.
/// </summary>
/// <remarks>
/// <para>
/// A run that has not finished by its timeout counts as a failure at that instant and its cancellation token is
/// cancelled. One run at a time: an interval that comes while a run is still going starts nothing (and, once that run
/// is past its timeout, counts one more failure, so a hung check keeps failing). A check that throws counts as a
/// failure and is logged. <see cref="ScheduledCheckOptions.Rise"/> consecutive successes make a failing check
/// healthy, <see cref="ScheduledCheckOptions.Fall"/> consecutive failures make a healthy one failing; without
/// <see cref="ScheduledCheckOptions.InitFail"/> the check starts healthy and its first result decides at once, as
/// keepalived's does. A result with a <see cref="VrrpCheckResult.Value"/> skips rise and fall and goes to
/// <see cref="TrackedCheck.SetValue"/> (keepalived's <c>track_file</c>).
/// </para>
/// <para>
/// All time comes from the <see cref="TimeProvider"/>. A run starts on the thread of the interval timer, never on a
/// router's; nothing here blocks or throws into a router: a router hears only
/// <see cref="TrackedCheck.Changed"/>, raised when the health changes.
/// </para>
/// </remarks>
public sealed partial class ScheduledHealthCheck : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly IVrrpHealthCheck _check;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TrackedCheck> _trackers = [];
    private readonly ITimer _intervalTimer;
    private readonly ITimer _timeoutTimer;
    private CancellationTokenSource? _runCancellation;
    private CancellationTokenSource? _spareCancellation; // a finished run's, reset and kept for the next: runs allocate nothing
    private Task _run = Task.CompletedTask;
    private long _runId;
    private long _runStarted;
    private bool _inFlight;
    private bool _timedOut;
    private bool _confirmed;
    private bool _healthy;
    private bool _started;
    private bool _stopped;
    private int _successes;
    private int _failures;
    private long _runs;
    private long _failureCount;
    private long _timeoutCount;
    private long _exceptionCount;
    private VrrpCheckResult _lastResult;

    /// <summary>Initializes a scheduled check. It does nothing until <see cref="Start"/>.</summary>
    /// <param name="options">The schedule and the rise, fall, weight and initial state; validated here.</param>
    /// <param name="check">The check to run.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Hears failures and changes of health; none by default.</param>
    /// <exception cref="VrrpConfigurationException">The options are invalid; the message names each field and its range.</exception>
    public ScheduledHealthCheck(ScheduledCheckOptions options, IVrrpHealthCheck check, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(check);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }

        // A copy: the schedule must not change under a running timer.
        Options = new ScheduledCheckOptions
        {
            Name = options.Name,
            Interval = options.Interval,
            Timeout = options.Timeout,
            Rise = options.Rise,
            Fall = options.Fall,
            Weight = options.Weight,
            InitFail = options.InitFail,
            KnownAtStart = options.KnownAtStart,
        };
        _check = check;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _healthy = !options.InitFail;
        _confirmed = options.InitFail; // keepalived: a check not marked init_fail is decided by its first result
        Tracked = new TrackedCheck(options.Name, options.Weight, _healthy) { AwaitsFirstResult = !options.KnownAtStart };
        _trackers.Add(Tracked);
        _intervalTimer = _time.CreateTimer(static state => ((ScheduledHealthCheck)state!).OnInterval(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
        _timeoutTimer = _time.CreateTimer(static state => ((ScheduledHealthCheck)state!).OnTimeout(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets the options in force (a copy of those given).</summary>
    public ScheduledCheckOptions Options { get; }

    /// <summary>Gets the tracked check with <see cref="ScheduledCheckOptions.Weight"/>: add it to <see cref="VirtualRouterOptions.TrackedChecks"/>.</summary>
    public TrackedCheck Tracked { get; }

    /// <summary>Gets a value indicating whether the check is healthy now (after rise and fall).</summary>
    public bool IsHealthy
    {
        get
        {
            lock (_gate)
            {
                return _healthy;
            }
        }
    }

    /// <summary>Gets the consecutive successes counted so far (0 after a failure).</summary>
    public int ConsecutiveSuccesses
    {
        get
        {
            lock (_gate)
            {
                return _successes;
            }
        }
    }

    /// <summary>Gets the consecutive failures counted so far (0 after a success).</summary>
    public int ConsecutiveFailures
    {
        get
        {
            lock (_gate)
            {
                return _failures;
            }
        }
    }

    /// <summary>Gets how many results have been counted: runs that finished, runs that timed out, and intervals missed past a timeout.</summary>
    public long RunCount => Interlocked.Read(ref _runs);

    /// <summary>Gets how many of the results counted were failures, timeouts and exceptions included.</summary>
    public long FailureCount => Interlocked.Read(ref _failureCount);

    /// <summary>Gets how many runs passed their timeout.</summary>
    public long TimeoutCount => Interlocked.Read(ref _timeoutCount);

    /// <summary>Gets how many runs threw.</summary>
    public long ExceptionCount => Interlocked.Read(ref _exceptionCount);

    /// <summary>Gets the last result counted (default before the first).</summary>
    public VrrpCheckResult LastResult
    {
        get
        {
            lock (_gate)
            {
                return _lastResult;
            }
        }
    }

    /// <summary>Gets the run in progress, or a completed task: for tests and shutdown.</summary>
    internal Task CurrentRun
    {
        get
        {
            lock (_gate)
            {
                return _run;
            }
        }
    }

    /// <summary>
    /// Makes another tracked check fed by the same results with its own weight, as keepalived's
    /// <c>track_script { NAME weight W }</c> overrides a script's weight for one instance.
    /// </summary>
    /// <param name="weight">−253 to 253; 0 makes a failure a Fault.</param>
    /// <param name="reverse">Whether the weight works the other way (<see cref="TrackedCheck.Reverse"/>).</param>
    /// <returns>The tracked check; it starts in the current health.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The weight is out of range.</exception>
    public TrackedCheck CreateTracked(int weight, bool reverse = false)
    {
        lock (_gate)
        {
            var tracked = new TrackedCheck(Options.Name, weight, _healthy) { Reverse = reverse, AwaitsFirstResult = !Options.KnownAtStart };
            if (Tracked.Value is { } value)
            {
                tracked.SetValue(value);
            }

            _trackers.Add(tracked);
            return tracked;
        }
    }

    /// <summary>Starts the schedule: the first run now, then one every interval.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_started)
            {
                return;
            }

            _started = true;
        }

        _intervalTimer.Change(TimeSpan.Zero, Options.Interval);
    }

    /// <summary>
    /// Stops the schedule, cancels a run in progress and waits for it to end, but no longer than that run's timeout
    /// (a check that ignores its cancellation is left behind, and one already past its timeout is not waited for).
    /// </summary>
    /// <returns>A task that completes when the run has ended or been left behind.</returns>
    public async ValueTask DisposeAsync()
    {
        Task run;
        TimeSpan grace;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _spareCancellation?.Dispose();
            _spareCancellation = null;
            run = _inFlight && !_timedOut ? _run : Task.CompletedTask;
            grace = Options.EffectiveTimeout - _time.GetElapsedTime(_runStarted);
        }

        _intervalTimer.Dispose();
        _timeoutTimer.Dispose();
        _stopping.Cancel(); // synchronously, so that a check's own cancellation (a process kill) is done before the wait below
        if (!run.IsCompleted && grace > TimeSpan.Zero)
        {
            await Task.WhenAny(run, Task.Delay(grace, _time)).ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void OnInterval()
    {
        CancellationTokenSource cancellation;
        long runId;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_inFlight)
            {
                if (_timedOut)
                {
                    CountLocked(VrrpCheckResult.Failure("still running after its timeout"));
                }

                return;
            }

            _inFlight = true;
            _timedOut = false;
            _runStarted = _time.GetTimestamp();
            runId = ++_runId;
            cancellation = _spareCancellation ?? CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            _spareCancellation = null;
            _runCancellation = cancellation;
            _timeoutTimer.Change(Options.EffectiveTimeout, System.Threading.Timeout.InfiniteTimeSpan);
            _run = Task.CompletedTask;
        }

        Task run = RunAsync(runId, cancellation);
        lock (_gate)
        {
            if (_runId == runId && _inFlight)
            {
                _run = run;
            }
        }
    }

    private Task RunAsync(long runId, CancellationTokenSource cancellation)
    {
        ValueTask<VrrpCheckResult> pending;
        try
        {
            pending = _check.CheckAsync(cancellation.Token);
        }
#pragma warning disable CA1031 // a check's failure is a result, never an exception into the router
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Finish(runId, cancellation, Failed(exception, cancellation, out Exception? thrown), thrown);
            return Task.CompletedTask;
        }

        // A check that completes at once (an interface or a file read) finishes here, with no async state machine:
        // the steady state allocates nothing in any build configuration (a Debug build boxes every state machine).
        if (!pending.IsCompleted)
        {
            return AwaitRunAsync(runId, cancellation, pending);
        }

        VrrpCheckResult result;
        Exception? error = null;
        try
        {
            result = pending.Result;
        }
#pragma warning disable CA1031 // as above
        catch (Exception exception)
#pragma warning restore CA1031
        {
            result = Failed(exception, cancellation, out error);
        }

        Finish(runId, cancellation, result, error);
        return Task.CompletedTask;
    }

    private async Task AwaitRunAsync(long runId, CancellationTokenSource cancellation, ValueTask<VrrpCheckResult> pending)
    {
        VrrpCheckResult result;
        Exception? error = null;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // as above
        catch (Exception exception)
#pragma warning restore CA1031
        {
            result = Failed(exception, cancellation, out error);
        }

        Finish(runId, cancellation, result, error);
    }

    // A cancelled run is a failure of its own; anything else thrown is a failure that is counted and logged.
    private static VrrpCheckResult Failed(Exception exception, CancellationTokenSource cancellation, out Exception? error)
    {
        if (exception is OperationCanceledException && cancellation.IsCancellationRequested)
        {
            error = null;
            return VrrpCheckResult.Failure("cancelled");
        }

        error = exception;
        return VrrpCheckResult.Failure($"threw {exception.GetType().Name}: {exception.Message}");
    }

    private void Finish(long runId, CancellationTokenSource cancellation, VrrpCheckResult result, Exception? error)
    {
        lock (_gate)
        {
            if (_runId == runId)
            {
                _inFlight = false;
                _runCancellation = null;
                if (!_stopped)
                {
                    _timeoutTimer.Change(System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
                }

                // A run past its timeout has already counted as a failure; its late result is not counted again.
                if (!_timedOut && !_stopped)
                {
                    if (error is not null)
                    {
                        _exceptionCount++;
                        LogThrew(_logger, error, Options.Name);
                    }

                    CountLocked(result);
                }

                // A run that timed out may be cancelled any moment from now (OnTimeout cancels outside the lock): never reused.
                if (!_timedOut && !_stopped && _spareCancellation is null && cancellation.TryReset())
                {
                    _spareCancellation = cancellation;
                    return;
                }
            }
        }

        cancellation.Dispose();
    }

    private void OnTimeout()
    {
        CancellationTokenSource? cancellation;
        lock (_gate)
        {
            if (!_inFlight || _timedOut || _stopped)
            {
                return;
            }

            _timedOut = true;
            _timeoutCount++;
            LogTimedOut(_logger, Options.Name, Options.EffectiveTimeout.TotalMilliseconds);
            CountLocked(VrrpCheckResult.Failure($"timed out after {Options.EffectiveTimeout.TotalMilliseconds} ms"));
            cancellation = _runCancellation;
        }

        // Outside the lock: cancellation runs the check's own callbacks (a process kill) synchronously.
        try
        {
            cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the run ended meanwhile
        }
#pragma warning disable CA1031 // a check's cancellation callback must not throw into the timer
        catch (AggregateException exception)
#pragma warning restore CA1031
        {
            LogThrew(_logger, exception, Options.Name);
        }
    }

    // keepalived vrrp_script semantics, counted as consecutive runs. Values (track_file) skip rise and fall.
    private void CountLocked(VrrpCheckResult result)
    {
        _runs++;
        _lastResult = result;
        if (result.Value is { } value)
        {
            _successes = 0;
            _failures = 0;
            ReportValue(value);
            return;
        }

        bool wasHealthy = _healthy;
        if (result.IsHealthy)
        {
            _failures = 0;
            _successes++;
            if (!_healthy && (_successes >= Options.Rise || !_confirmed))
            {
                _healthy = true;
            }
        }
        else
        {
            _failureCount++;
            _successes = 0;
            _failures++;
            if (_healthy && (_failures >= Options.Fall || !_confirmed))
            {
                _healthy = false;
            }

            LogFailed(_logger, Options.Name, result.Description ?? "failed", _failures, Options.Fall);
        }

        _confirmed = true;
        if (wasHealthy != _healthy)
        {
            LogChanged(_logger, Options.Name, _healthy ? "healthy" : "failing");
        }

        ReportHealth(_healthy);
    }

    // Two loops rather than one over a lambda: a closure per run would allocate.
    private void ReportValue(long value)
    {
        foreach (TrackedCheck tracked in _trackers)
        {
            try
            {
                tracked.SetValue(value);
            }
#pragma warning disable CA1031 // a listener of Changed must not stop the schedule
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogListenerThrew(_logger, exception, Options.Name);
            }
        }
    }

    private void ReportHealth(bool healthy)
    {
        foreach (TrackedCheck tracked in _trackers)
        {
            try
            {
                tracked.SetHealthy(healthy);
            }
#pragma warning disable CA1031 // a listener of Changed must not stop the schedule
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogListenerThrew(_logger, exception, Options.Name);
            }
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Health check {Name} threw")]
    private static partial void LogThrew(ILogger logger, Exception exception, string name);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Health check {Name} timed out after {TimeoutMilliseconds} ms")]
    private static partial void LogTimedOut(ILogger logger, string name, double timeoutMilliseconds);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Health check {Name} failed ({Description}); {Failures} of {Fall} consecutive failures")]
    private static partial void LogFailed(ILogger logger, string name, string description, int failures, int fall);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Health check {Name} is now {Health}")]
    private static partial void LogChanged(ILogger logger, string name, string health);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "A listener of health check {Name} threw")]
    private static partial void LogListenerThrew(ILogger logger, Exception exception, string name);
}
