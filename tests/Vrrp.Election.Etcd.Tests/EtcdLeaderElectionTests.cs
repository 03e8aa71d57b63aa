using System.Collections.Concurrent;
using System.Diagnostics;
using dotnet_etcd;
using Microsoft.Extensions.Time.Testing;

namespace Vrrp.Election.Etcd.Tests;

/// <summary>The etcd backend against a real etcd of our own (one member, or three on loopback ports).</summary>
public sealed class EtcdLeaderElectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_candidate_leads_with_its_keys_create_revision_and_the_next_leads_after_it_stops_with_a_greater_one()
    {
        // Input: candidates a then b on one member; a stops.
        // Expected: a leads, its token is the create revision of its key (what GetLeaderAsync and etcd say); b waits.
        // After a stops, a's token has fired before b's term began, and b's token is greater.
        await using EtcdCluster etcd = await Etcd.StartAsync(1);
        var log = new ChangeLog();
        EtcdLeaderElection a = log.Watch("a", Create(etcd, "a"));
        a.Start();
        LeadershipTerm first = await a.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        await using EtcdLeaderElection b = log.Watch("b", Create(etcd, "b"));
        b.Start();

        EtcdLeader? leader = await b.GetLeaderAsync(Cancel);
        Assert.Equal(new EtcdLeader("a", first.FencingToken, leader!.LeaseId), leader);
        using (var client = new EtcdClient(etcd.Endpoints))
        {
            var key = (await client.GetRangeAsync("/vrrp/election/jobs/", cancellationToken: Cancel)).Kvs.Single(kv => kv.Value.ToStringUtf8() == "a");
            Assert.Equal(key.CreateRevision, first.FencingToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), Cancel);
        Assert.False(b.IsLeader);

        await a.DisposeAsync();
        Assert.True(first.LeadershipLost.IsCancellationRequested);
        LeadershipTerm second = await b.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        Assert.True(second.FencingToken > first.FencingToken);
        await log.WaitForAsync(3);
        Assert.Equal([("a", true, LeadershipChangeReason.Elected), ("a", false, LeadershipChangeReason.Stopped), ("b", true, LeadershipChangeReason.Elected)], log.Summary());
        Assert.True(log.EndOf("a", first.FencingToken) < log.StartOf("b", second.FencingToken));
    }

    [Fact]
    public async Task Resigning_ends_the_term_hands_over_at_once_and_puts_the_node_at_the_back_of_the_line()
    {
        // Input: a leads, b and c wait; a resigns; then b stops.
        // Expected: a's token has fired when ResignAsync returns; b (next in line) leads with a greater token, well
        // before any TTL could pass; when b stops, c leads, not a: a campaigns again behind c.
        await using EtcdCluster etcd = await Etcd.StartAsync(1);
        var log = new ChangeLog();
        await using EtcdLeaderElection a = log.Watch("a", Create(etcd, "a", ttlSeconds: 30, marginMs: 2000));
        a.Start();
        LeadershipTerm first = await a.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        EtcdLeaderElection b = log.Watch("b", Create(etcd, "b", ttlSeconds: 30, marginMs: 2000));
        b.Start();
        await using EtcdLeaderElection c = log.Watch("c", Create(etcd, "c", ttlSeconds: 30, marginMs: 2000));
        await WaitUntilAsync(async () => (await CountCandidatesAsync(etcd)) == 2);
        c.Start();
        await WaitUntilAsync(async () => (await CountCandidatesAsync(etcd)) == 3);

        var handover = Stopwatch.StartNew();
        await a.ResignAsync(Cancel);
        Assert.True(first.LeadershipLost.IsCancellationRequested);
        Assert.False(a.IsLeader);
        LeadershipTerm second = await b.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        Assert.True(handover.Elapsed < TimeSpan.FromSeconds(30), "the handover must not wait for the 30 s lease");
        Assert.True(second.FencingToken > first.FencingToken);

        await b.DisposeAsync();
        LeadershipTerm third = await c.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        Assert.True(third.FencingToken > second.FencingToken);
        Assert.False(a.IsLeader);
        await log.WaitForAsync(5);
        Assert.Contains(("a", false, LeadershipChangeReason.Resigned), log.Summary());
    }

    [Fact]
    public async Task An_observer_that_does_not_campaign_sees_each_leader_in_turn()
    {
        // Input: an observer (never started, so never a candidate) follows the election; a leads, then stops, then b.
        // Expected: it yields no one, then a, then b, then no one, with the fencing tokens the leaders hold.
        await using EtcdCluster etcd = await Etcd.StartAsync(1);
        await using EtcdLeaderElection observer = Create(etcd, "observer");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var seen = new List<EtcdLeader?>();
        using var updates = new SemaphoreSlim(0);
        Task follow = Task.Run(async () =>
        {
            await foreach (EtcdLeader? leader in observer.ObserveAsync(stop.Token))
            {
                lock (seen)
                {
                    seen.Add(leader);
                }

                updates.Release();
            }
        }, Cancel);
        await updates.WaitAsync(Patience, Cancel);

        EtcdLeaderElection a = Create(etcd, "a");
        EtcdLeaderElection b = Create(etcd, "b");
        a.Start();
        LeadershipTerm first = await a.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        await updates.WaitAsync(Patience, Cancel);
        b.Start();
        await WaitUntilAsync(async () => (await CountCandidatesAsync(etcd)) == 2);
        await a.DisposeAsync();
        LeadershipTerm second = await b.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        await updates.WaitAsync(Patience, Cancel);
        await b.DisposeAsync();
        await updates.WaitAsync(Patience, Cancel);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow);

        lock (seen)
        {
            Assert.Equal([null, "a", "b", null], seen.Select(l => l?.Candidate));
            Assert.Equal(first.FencingToken, seen[1]!.FencingToken);
            Assert.Equal(second.FencingToken, seen[2]!.FencingToken);
        }
    }

    [Fact]
    public async Task A_leader_whose_key_is_deleted_by_someone_else_is_superseded_and_stands_again()
    {
        await using EtcdCluster etcd = await Etcd.StartAsync(1);
        var log = new ChangeLog();
        await using EtcdLeaderElection a = log.Watch("a", Create(etcd, "a"));
        a.Start();
        LeadershipTerm first = await a.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);

        using (var client = new EtcdClient(etcd.Endpoints))
        {
            await client.DeleteRangeAsync("/vrrp/election/jobs/", cancellationToken: Cancel);
        }

        await log.WaitForAsync(3);
        Assert.Equal([("a", true, LeadershipChangeReason.Elected), ("a", false, LeadershipChangeReason.Superseded), ("a", true, LeadershipChangeReason.Elected)], log.Summary());
        Assert.True(first.LeadershipLost.IsCancellationRequested);
        Assert.True(a.CurrentTerm!.Value.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task A_pause_longer_than_the_margin_ends_the_term_at_once_and_the_node_wins_a_new_term_with_a_greater_token()
    {
        // Input: a leads with a 10 s lease and a 2 s margin, on a fake monotonic clock; the clock jumps 2.5 s at once,
        // as a SIGSTOP or a long GC would look from inside (no keep-alive, no watchdog tick in between).
        // Expected: the term is over when the jump returns (IsLeader false, token fired, reason Expired); the lease
        // is revoked, and the node campaigns again and leads with a greater token.
        await using EtcdCluster etcd = await Etcd.StartAsync(1);
        var time = new FakeTimeProvider();
        var log = new ChangeLog();
        await using EtcdLeaderElection a = log.Watch("a", Create(etcd, "a", ttlSeconds: 10, marginMs: 2000, time: time));
        a.Start();
        LeadershipTerm first = await a.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);

        time.Advance(TimeSpan.FromMilliseconds(2500));

        Assert.False(a.IsLeader);
        Assert.True(first.LeadershipLost.IsCancellationRequested);
        LeadershipTerm second = await LeadOnFakeClockAsync(a, time); // past the retry delay
        Assert.True(second.FencingToken > first.FencingToken);
        await log.WaitForAsync(3);
        Assert.Equal(("a", false, LeadershipChangeReason.Expired), log.Summary()[1]);
    }

    [Fact]
    public async Task Losing_etcd_ends_the_term_by_the_deadline_and_IsLeader_reads_the_clock()
    {
        // Input: a leads on one member, on a fake clock; the member is killed; the clock moves in steps shorter than
        // the margin (no pause) up to the deadline.
        // Expected: a keeps the term while the lease can still be shown alive, and loses it (Expired) at the
        // deadline; after etcd restarts, a leads again with a greater token.
        await using EtcdCluster etcd = await Etcd.StartAsync(1);
        var time = new FakeTimeProvider();
        await using EtcdLeaderElection a = Create(etcd, "a", ttlSeconds: 10, marginMs: 2000, time: time);
        a.Start();
        LeadershipTerm first = await a.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);

        etcd.Kill(0);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Cancel); // let the dead stream fail
        TimeSpan step = TimeSpan.FromMilliseconds(400);
        int steps = 0;
        while (a.IsLeader && steps < 100)
        {
            time.Advance(step);
            steps++;
            await Task.Delay(TimeSpan.FromMilliseconds(20), Cancel); // keep-alive retries run and fail for real
        }

        Assert.False(a.IsLeader);
        Assert.True(first.LeadershipLost.IsCancellationRequested);
        Assert.InRange(steps * step, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)); // 10 s TTL less 2 s, from the last keep-alive answered

        etcd.Restart(0);
        await etcd.WaitReadyAsync(Patience);
        LeadershipTerm second = await LeadOnFakeClockAsync(a, time);
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task With_three_members_losing_one_keeps_the_term_and_a_new_leader_never_overlaps_the_old()
    {
        // Input: three members; a leads, b waits; one member is killed (then restarted); then a is stopped.
        // Expected: a's term survives the member's loss (the keep-alive goes to another member); after a goes, b
        // leads with a greater token, and b's term began after a's ended.
        await using EtcdCluster etcd = await Etcd.StartAsync(3);
        var log = new ChangeLog();
        // A 5 s lease: enough for etcd to elect a new raft leader (1 s election timeout) when the member killed led
        // it. With a 2 s lease, TTL less margin (1.5 s) is too short for that, and the term ends (safely).
        EtcdLeaderElection a = log.Watch("a", Create(etcd, "a", ttlSeconds: 5, marginMs: 1000));
        a.Start();
        LeadershipTerm first = await a.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        await using EtcdLeaderElection b = log.Watch("b", Create(etcd, "b", ttlSeconds: 5, marginMs: 1000));
        b.Start();

        etcd.Kill(0);
        await Task.Delay(TimeSpan.FromSeconds(6), Cancel); // more than the TTL
        Assert.True(a.IsLeader);
        Assert.False(first.LeadershipLost.IsCancellationRequested, string.Join(", ", log.Summary()));
        Assert.False(b.IsLeader);
        etcd.Restart(0);

        await a.DisposeAsync();
        LeadershipTerm second = await b.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(Patience, Cancel);
        Assert.True(second.FencingToken > first.FencingToken);
        await log.WaitForAsync(3);
        Assert.True(log.EndOf("a", first.FencingToken) < log.StartOf("b", second.FencingToken));
    }

    internal static EtcdLeaderElection Create(EtcdCluster etcd, string candidate, int ttlSeconds = 2, int marginMs = 500, TimeProvider? time = null) => new(
        "jobs",
        new EtcdLeaderElectionOptions
        {
            Endpoints = etcd.Endpoints,
            Candidate = candidate,
            LeaseTtl = TimeSpan.FromSeconds(ttlSeconds),
            SafetyMargin = TimeSpan.FromMilliseconds(marginMs),
            KeepAliveInterval = TimeSpan.FromMilliseconds(Math.Min(ttlSeconds * 1000 / 4, 1000)),
            RetryDelay = TimeSpan.FromMilliseconds(200),
        },
        time);

    /// <summary>Moves a fake clock in small steps (the campaign's delays run on it) until the election leads.</summary>
    private static async Task<LeadershipTerm> LeadOnFakeClockAsync(EtcdLeaderElection election, FakeTimeProvider time)
    {
        for (int i = 0; i < 1500; i++)
        {
            if (election.CurrentTerm is { } term)
            {
                return term;
            }

            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(TimeSpan.FromMilliseconds(20), Cancel);
        }

        throw new TimeoutException("the election did not lead");
    }

    private static async Task<int> CountCandidatesAsync(EtcdCluster etcd)
    {
        using var client = new EtcdClient(etcd.Endpoints);
        return (await client.GetRangeAsync("/vrrp/election/jobs/", cancellationToken: Cancel)).Kvs.Count;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Patience, "timed out waiting");
            await Task.Delay(50, Cancel);
        }
    }

    /// <summary>Every change of every candidate, with the monotonic time it was raised.</summary>
    private sealed class ChangeLog
    {
        private readonly ConcurrentQueue<(string Node, LeadershipChange Change, long At)> _changes = new();

        public EtcdLeaderElection Watch(string node, EtcdLeaderElection election)
        {
            election.LeadershipChanged += (_, c) => _changes.Enqueue((node, c, Stopwatch.GetTimestamp()));
            return election;
        }

        public List<(string Node, bool IsLeader, LeadershipChangeReason Reason)> Summary() => [.. _changes.Select(c => (c.Node, c.Change.IsLeader, c.Change.Reason))];

        public long StartOf(string node, long token) => _changes.First(c => c.Node == node && c.Change.IsLeader && c.Change.FencingToken == token).Change.Timestamp.UtcTicks;

        public long EndOf(string node, long token) => _changes.First(c => c.Node == node && !c.Change.IsLeader && c.Change.FencingToken == token).Change.Timestamp.UtcTicks;

        public async Task WaitForAsync(int count)
        {
            var clock = Stopwatch.StartNew();
            while (_changes.Count < count)
            {
                Assert.True(clock.Elapsed < Patience, $"waited for {count} changes; saw {_changes.Count}");
                await Task.Delay(20, Cancel);
            }
        }
    }
}
