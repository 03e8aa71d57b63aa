using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Vrrp.Election.Etcd;

/// <summary>
/// One lease and its keep-alive: <see cref="Lost"/> fires once the lease can no longer be shown alive (no answer in
/// time, an answer of TTL 0, or the node paused past the deadline). A lost session is never revived: the election
/// grants a new lease and campaigns again.
/// </summary>
internal sealed class LeaseSession : IAsyncDisposable
{
    private readonly EtcdConnection _etcd;
    private readonly EtcdLeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _watchdog;
    private Task _keepAlive = Task.CompletedTask;
    private long _lastTick;
    private string? _lostBecause;

    private LeaseSession(EtcdConnection etcd, EtcdLeaderElectionOptions options, TimeProvider time, ILogger logger, long leaseId)
    {
        _etcd = etcd;
        _options = options;
        _time = time;
        _logger = logger;
        LeaseId = leaseId;
        Deadline = new LeaseDeadline(time, options.SafetyMargin);
        _lastTick = time.GetTimestamp();

        // The watchdog ends the session at the deadline even when no keep-alive task runs, and ends it after a pause
        // (GC, SIGSTOP) longer than the margin: work started before such a pause must not go on as if nothing happened.
        TimeSpan tick = options.SafetyMargin / 4;
        _watchdog = time.CreateTimer(static s => ((LeaseSession)s!).Tick(), this, tick, tick);
    }

    public long LeaseId { get; }

    public LeaseDeadline Deadline { get; }

    public CancellationToken Lost => _lost.Token;

    /// <summary>Gets why the session was lost, for the log.</summary>
    public string? LostBecause => Volatile.Read(ref _lostBecause);

    public static async Task<LeaseSession> GrantAsync(EtcdConnection etcd, EtcdLeaderElectionOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        long sentAt = time.GetTimestamp();
        LeaseGrantResponse granted = await etcd.Lease.LeaseGrantAsync(
            new LeaseGrantRequest { TTL = (long)options.LeaseTtl.TotalSeconds },
            deadline: etcd.Deadline(),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(granted.Error) || granted.TTL <= 0)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"etcd refused a lease: {granted.Error} (TTL {granted.TTL})"));
        }

        var session = new LeaseSession(etcd, options, time, logger, granted.ID);
        session.Deadline.Confirmed(sentAt, TimeSpan.FromSeconds(granted.TTL));
        Log.LeaseGranted(logger, granted.ID, granted.TTL);
        session._keepAlive = Task.Run(session.KeepAliveLoopAsync, CancellationToken.None); // the session owns its loop: DisposeAsync stops it
        return session;
    }

    /// <summary>Ends the session now (resign, stop).</summary>
    /// <param name="because">Why.</param>
    public void End(string because) => Lose(because);

    /// <summary>Revokes the lease so that its keys go at once instead of after the TTL; best effort.</summary>
    /// <returns>A task that completes when etcd answered or the request timed out.</returns>
    public async Task RevokeAsync()
    {
        try
        {
            await _etcd.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = LeaseId }, deadline: _etcd.Deadline()).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // best effort: the lease expires by itself anyway
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.RevokeFailed(_logger, LeaseId, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Lose("the session was closed");
        await _stop.CancelAsync().ConfigureAwait(false);
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _keepAlive.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the loop logs its own failures; closing the session must not throw
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        _stop.Dispose();
        _lost.Dispose();
    }

    private void Tick()
    {
        long now = _time.GetTimestamp();
        TimeSpan gap = _time.GetElapsedTime(Interlocked.Exchange(ref _lastTick, now), now);
        if (gap > _options.SafetyMargin)
        {
            Lose($"this node was paused for {gap.TotalMilliseconds:F0} ms, more than the safety margin");
        }
        else if (!Deadline.IsAlive())
        {
            Lose("no keep-alive was answered in time");
        }
    }

    private void Lose(string because)
    {
        if (Interlocked.CompareExchange(ref _lostBecause, because, null) is not null)
        {
            return;
        }

        // Reads cancelled at once; callbacks (the term's end among them) run inline here, which is what we want:
        // the term must end before this returns. They only flip state and queue notifications.
        _lost.Cancel();
    }

    private async Task KeepAliveLoopAsync()
    {
        TimeSpan interval = _options.EffectiveKeepAliveInterval;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _lost.Token);
        CancellationToken cancellationToken = both.Token;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call = _etcd.Lease.LeaseKeepAlive(cancellationToken: cancellationToken);
                while (!cancellationToken.IsCancellationRequested)
                {
                    long sentAt = _time.GetTimestamp();
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = LeaseId }, cancellationToken).ConfigureAwait(false);

                    // An answer that comes after the deadline is no use: wait no longer than that.
                    using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    answer.CancelAfter(Max(Deadline.Remaining(), TimeSpan.FromMilliseconds(1)));
                    if (!await call.ResponseStream.MoveNext(answer.Token).ConfigureAwait(false))
                    {
                        throw new RpcException(new Status(StatusCode.Unavailable, "the keep-alive stream closed"));
                    }

                    LeaseKeepAliveResponse response = call.ResponseStream.Current;
                    if (response.TTL <= 0)
                    {
                        Lose("etcd says the lease expired");
                        return;
                    }

                    Deadline.Confirmed(sentAt, TimeSpan.FromSeconds(response.TTL));
                    await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // any failure of a stream: open another while the deadline lasts
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // Another stream may reach another member; keep trying while the deadline lasts (the watchdog ends it).
                Log.KeepAliveFailed(_logger, LeaseId, ex.Message);
                try
                {
                    await Task.Delay(Min(interval, TimeSpan.FromMilliseconds(200)), _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
