using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Vrrp.Election.Etcd;

/// <summary>The campaign: etcd's election recipe (a key per candidate, the oldest leads), run by this node.</summary>
public sealed partial class EtcdLeaderElection
{
    // Asks the member to cancel watches when it loses its raft leader, so a partitioned member cannot keep a watch
    // silently open (etcd's clientv3.WithRequireLeader).
    private static readonly Metadata s_requireLeader = new() { { "hasleader", "true" } };

    private async Task CampaignAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            LeaseSession? session = null;
            try
            {
                session = await LeaseSession.GrantAsync(_etcd, _options, _time, _logger, stopping).ConfigureAwait(false);
                using CancellationTokenRegistration onLost = session.Lost.Register(static s => ((EtcdLeaderElection)s!).EndTerm(LeadershipChangeReason.Expired), this);
                using var live = CancellationTokenSource.CreateLinkedTokenSource(stopping, session.Lost);
                while (!live.IsCancellationRequested)
                {
                    await StandAsync(session, live.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
#pragma warning disable CA1031 // whatever failed, the loop must go on campaigning: a dead loop is a node that never leads again
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (session?.LostBecause is { } because)
                {
                    Log.SessionLost(_logger, Name, session.LeaseId, because);
                }
                else
                {
                    Log.CampaignFailed(_logger, Name, ex.Message, _options.RetryDelay.TotalMilliseconds);
                }
            }
            finally
            {
                EndTerm(stopping.IsCancellationRequested ? LeadershipChangeReason.Stopped : LeadershipChangeReason.Expired);
                if (session is not null)
                {
                    // Whatever ended the session, a lease that may still be alive at the server would hold this
                    // candidate's place: give it up so that the next candidate need not wait for the TTL. Neither
                    // step throws (each logs), so the session is always closed and its keep-alive stopped.
                    await session.RevokeAsync().ConfigureAwait(false);
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (!stopping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_options.RetryDelay, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>One candidacy on the session's lease: create the key, wait for the turn, lead until it ends.</summary>
    private async Task StandAsync(LeaseSession session, CancellationToken live)
    {
        ByteString key = _keys.Candidate(session.LeaseId);
        long created = await CreateKeyAsync(key, session.LeaseId, live).ConfigureAwait(false);
        await WaitForTurnAsync(created, live).ConfigureAwait(false);

        // First in line; the key must still be ours (an operator may have deleted it) and the lease still alive.
        RangeResponse own = await RetryAsync(ct => _etcd.KV.RangeAsync(new RangeRequest { Key = key }, deadline: _etcd.Deadline(), cancellationToken: ct).ResponseAsync, live).ConfigureAwait(false);
        if (own.Kvs.Count == 0 || own.Kvs[0].CreateRevision != created || !session.Deadline.IsAlive())
        {
            return;
        }

        using var resign = new CancellationTokenSource();
        var resigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _resign = resign;
            _resigned = resigned;
        }

        try
        {
            if (!BeginTerm(created, session))
            {
                return;
            }

            using var leading = CancellationTokenSource.CreateLinkedTokenSource(live, resign.Token);
            try
            {
                long revision = own.Header.Revision;
                while (true)
                {
                    // Any end of the watch (a delete, a compaction, a member that restarted or lost its leader) only
                    // means: look again. The term goes on while the key is ours; the lease's deadline bounds it.
                    await WaitForChangeAsync(key, null, revision + 1, deletesOnly: true, leading.Token).ConfigureAwait(false);
                    RangeResponse again = await RetryAsync(ct => _etcd.KV.RangeAsync(new RangeRequest { Key = key }, deadline: _etcd.Deadline(), cancellationToken: ct).ResponseAsync, leading.Token).ConfigureAwait(false);
                    if (again.Kvs.Count == 0 || again.Kvs[0].CreateRevision != created)
                    {
                        EndTerm(LeadershipChangeReason.Superseded); // our key was deleted by someone else
                        return;
                    }

                    revision = again.Header.Revision;
                }
            }
            catch (OperationCanceledException) when (resign.IsCancellationRequested && !live.IsCancellationRequested)
            {
                // ResignAsync ended the term already; delete the key so the next candidate leads at once, then
                // stand again, behind everyone waiting.
                await RetryAsync(ct => _etcd.KV.DeleteRangeAsync(new DeleteRangeRequest { Key = key }, deadline: _etcd.Deadline(), cancellationToken: ct).ResponseAsync, live).ConfigureAwait(false);
                resigned.TrySetResult();
            }
        }
        finally
        {
            lock (_gate)
            {
                _resign = null;
                _resigned = null;
            }

            resigned.TrySetResult(); // the term is over either way; a resign waiting must not hang
        }
    }

    /// <summary>
    /// Runs a request until etcd answers: a failed request (a member restarting, a leader election in etcd) is tried
    /// again after the retry delay, for as long as the session lives (the token includes its loss).
    /// </summary>
    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await request(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.RequestRetried(_logger, Name, ex.Status.Detail);
                await Task.Delay(_options.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Creates the candidate's key on its lease unless it exists; returns the revision it was created at.</summary>
    private async Task<long> CreateKeyAsync(ByteString key, long leaseId, CancellationToken cancellationToken)
    {
        var request = new TxnRequest();
        request.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(_candidate), Lease = leaseId } });
        request.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
        TxnResponse response = await RetryAsync(ct => _etcd.KV.TxnAsync(request, deadline: _etcd.Deadline(), cancellationToken: ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return response.Succeeded ? response.Header.Revision : response.Responses[0].ResponseRange.Kvs[0].CreateRevision;
    }

    /// <summary>Waits until no key of the election was created before <paramref name="created"/>.</summary>
    private async Task WaitForTurnAsync(long created, CancellationToken cancellationToken)
    {
        while (true)
        {
            var before = new RangeRequest
            {
                Key = _keys.Directory,
                RangeEnd = _keys.DirectoryEnd,
                MaxCreateRevision = created - 1,
                SortTarget = RangeRequest.Types.SortTarget.Create,
                SortOrder = RangeRequest.Types.SortOrder.Descend,
                Limit = 1,
            };
            RangeResponse response = await RetryAsync(ct => _etcd.KV.RangeAsync(before, deadline: _etcd.Deadline(), cancellationToken: ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
            if (response.Kvs.Count == 0)
            {
                return;
            }

            // Only the candidate just ahead matters: when it goes, look again (it may have had its own predecessor).
            await WaitForChangeAsync(response.Kvs[0].Key, null, response.Header.Revision + 1, deletesOnly: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Returns at the first event on the key or range from <paramref name="fromRevision"/> on, or when the watch ends
    /// otherwise (compaction, a cancel, a member that restarted or lost its raft leader: then after the retry delay):
    /// either way the caller reads again.
    /// </summary>
    private async Task WaitForChangeAsync(ByteString key, ByteString? rangeEnd, long fromRevision, bool deletesOnly, CancellationToken cancellationToken)
    {
        try
        {
            await WatchOnceAsync(key, rangeEnd, fromRevision, deletesOnly, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The wait was cancelled.", ex, cancellationToken); // as .NET's own waits say it
        }
        catch (RpcException ex)
        {
            Log.RequestRetried(_logger, Name, ex.Status.Detail);
            await Task.Delay(_options.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WatchOnceAsync(ByteString key, ByteString? rangeEnd, long fromRevision, bool deletesOnly, CancellationToken cancellationToken)
    {
        using AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call = _etcd.Watch.Watch(s_requireLeader, cancellationToken: cancellationToken);
        var create = new WatchCreateRequest { Key = key, StartRevision = fromRevision };
        if (rangeEnd is not null)
        {
            create.RangeEnd = rangeEnd;
        }

        if (deletesOnly)
        {
            create.Filters.Add(WatchCreateRequest.Types.FilterType.Noput);
        }

        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, cancellationToken).ConfigureAwait(false);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            WatchResponse response = call.ResponseStream.Current;
            if (response.Canceled || response.CompactRevision != 0 || response.Events.Count > 0)
            {
                return;
            }
        }

        throw new RpcException(new Status(StatusCode.Unavailable, "the watch stream closed"));
    }

    private async Task<(EtcdLeader? Leader, long Revision)> ReadLeaderAsync(CancellationToken cancellationToken)
    {
        var first = new RangeRequest
        {
            Key = _keys.Directory,
            RangeEnd = _keys.DirectoryEnd,
            SortTarget = RangeRequest.Types.SortTarget.Create,
            SortOrder = RangeRequest.Types.SortOrder.Ascend,
            Limit = 1,
        };
        RangeResponse response;
        try
        {
            response = await _etcd.KV.RangeAsync(first, deadline: _etcd.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The request was cancelled.", ex, cancellationToken);
        }

        if (response.Kvs.Count == 0)
        {
            return (null, response.Header.Revision);
        }

        Mvccpb.KeyValue kv = response.Kvs[0];
        return (new EtcdLeader(kv.Value.ToStringUtf8(), kv.CreateRevision, kv.Lease), response.Header.Revision);
    }
}
