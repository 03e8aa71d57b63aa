using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Vrrp.Election.Etcd.Tests;

namespace Vrrp.Election.Harness;

/// <summary>Runs each fault N times against five electors and prints what the fenced resource and the electors saw.</summary>
internal static class FaultRun
{
    private const int Electors = 5;

    public static async Task<int> RunAsync(Dictionary<string, string> options, int faults)
    {
        bool etcdBackend = options["--backend"] == "etcd";
        int ttlSeconds = int.Parse(options["--ttl"], CultureInfo.InvariantCulture);
        int marginMs = int.Parse(options["--margin-ms"], CultureInfo.InvariantCulture);
        int advertMs = int.Parse(options["--advert-ms"], CultureInfo.InvariantCulture);
        TimeSpan pause = etcdBackend ? TimeSpan.FromSeconds(ttlSeconds + 1) : TimeSpan.FromSeconds(3);

        await using EtcdCluster? etcd = etcdBackend ? await EtcdCluster.StartAsync(3) : null;
        using var resource = new FencedResource();
        var beliefs = new Beliefs();
        var relays = new List<TcpCut[]>();
        var electors = new List<ElectorProcess>();
        int udpPort = Random.Shared.Next(40000, 50000);
        var environment = new Dictionary<string, string> { ["VRRP_UDP_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        for (int i = 0; i < Electors; i++)
        {
            string name = $"e{i + 1}";
            var arguments = new List<string> { "elector", "--name", name, "--backend", options["--backend"], "--resource", resource.Port.ToString(CultureInfo.InvariantCulture) };
            if (etcd is not null)
            {
                TcpCut[] mine = [.. Enumerable.Range(0, etcd.Size).Select(m => new TcpCut(new Uri(etcd.ClientUrl(m)).Port))];
                relays.Add(mine);
                arguments.AddRange(["--endpoints", string.Join(",", mine.Select(r => r.Url)), "--ttl", options["--ttl"], "--margin-ms", options["--margin-ms"]]);
            }
            else
            {
                string[] addresses = [.. Enumerable.Range(0, Electors).Select(k => $"127.0.0.{11 + k}")];
                arguments.AddRange(["--udp-local", addresses[i], "--udp-peers", string.Join(",", addresses.Where((_, k) => k != i)), "--udp-port", udpPort.ToString(CultureInfo.InvariantCulture), "--priority", (100 - (10 * i)).ToString(CultureInfo.InvariantCulture), "--advert-ms", options["--advert-ms"]]);
            }

            var elector = new ElectorProcess(name, arguments, beliefs, environment);
            elector.Start();
            electors.Add(elector);
        }

        var results = new List<FaultResult>();
        try
        {
            results.Add(await RepeatAsync("SIGKILL the leader", faults, beliefs, async leader =>
            {
                ElectorProcess victim = electors.Single(e => e.Name == leader);
                long t0 = Stopwatch.GetTimestamp();
                victim.Kill();
                double? failover = await FailoverAsync(beliefs, leader, t0, TimeSpan.FromSeconds(20));
                victim.Start();
                await Task.Delay(TimeSpan.FromSeconds(2)); // let a restarted VRRP elector preempt before the next round picks a leader
                return failover;
            }));

            results.Add(await RepeatAsync($"SIGSTOP the leader for {pause.TotalSeconds:F0} s, then SIGCONT", faults, beliefs, async leader =>
            {
                ElectorProcess victim = electors.Single(e => e.Name == leader);
                long t0 = Stopwatch.GetTimestamp();
                victim.Pause();
                double? failover = await FailoverAsync(beliefs, leader, t0, pause);
                await WaitUntilAsync(t0, pause);
                victim.Resume();
                await Task.Delay(TimeSpan.FromSeconds(1));
                return failover;
            }));

            results.Add(await RepeatAsync($"cut the leader off for {pause.TotalSeconds:F0} s" + (etcd is null ? " (at its UDP transport)" : " (from every etcd member)"), faults, beliefs, async leader =>
            {
                int index = electors.FindIndex(e => e.Name == leader);
                long t0 = Stopwatch.GetTimestamp();
                if (etcd is not null)
                {
                    Array.ForEach(relays[index], r => r.Cut());
                }
                else
                {
                    electors[index].Send("cut");
                }

                double? failover = await FailoverAsync(beliefs, leader, t0, pause);
                await WaitUntilAsync(t0, pause);
                if (etcd is not null)
                {
                    Array.ForEach(relays[index], r => r.Heal());
                }
                else
                {
                    electors[index].Send("heal");
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
                return failover;
            }));

            if (etcd is not null)
            {
                int member = 0;
                results.Add(await RepeatAsync("kill one etcd member (then restart it)", faults, beliefs, async leader =>
                {
                    int victim = member++ % etcd.Size;
                    long t0 = Stopwatch.GetTimestamp();
                    etcd.Kill(victim);
                    double? failover = await FailoverAsync(beliefs, leader, t0, TimeSpan.FromSeconds(ttlSeconds + 1));
                    etcd.Restart(victim);
                    await etcd.WaitReadyAsync(TimeSpan.FromSeconds(30));
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    return failover;
                }));

                results.Add(await RepeatAsync("restart the whole etcd cluster", faults, beliefs, async leader =>
                {
                    long t0 = Stopwatch.GetTimestamp();
                    for (int m = 0; m < etcd.Size; m++)
                    {
                        etcd.Kill(m);
                    }

                    for (int m = 0; m < etcd.Size; m++)
                    {
                        etcd.Restart(m);
                    }

                    await etcd.WaitReadyAsync(TimeSpan.FromSeconds(30));
                    double? failover = await FailoverAsync(beliefs, leader, t0, TimeSpan.FromSeconds(ttlSeconds + 2), anyNewTerm: true);
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    return failover;
                }));
            }
        }
        finally
        {
            foreach (ElectorProcess elector in electors)
            {
                elector.Dispose();
            }

            foreach (TcpCut relay in relays.SelectMany(r => r))
            {
                relay.Dispose();
            }
        }

        Report.Print(options, results, beliefs.All(), [.. resource.Writes], marginMs);
        return 0;
    }

    private static async Task<FaultResult> RepeatAsync(string fault, int rounds, Beliefs beliefs, Func<string, Task<double?>> inject)
    {
        long start = Stopwatch.GetTimestamp();
        var failovers = new List<double?>();
        for (int i = 0; i < rounds; i++)
        {
            string leader = await StableLeaderAsync(beliefs);
            failovers.Add(await inject(leader));
            Console.Error.WriteLine($"{fault}: round {i + 1}/{rounds}: {(failovers[^1] is { } ms ? $"{ms:F1} ms" : "no failover")}");
        }

        return new FaultResult(fault, failovers, rounds, start, Stopwatch.GetTimestamp());
    }

    /// <summary>Waits until exactly one elector believes it leads, unchanged for 500 ms.</summary>
    private static async Task<string> StableLeaderAsync(Beliefs beliefs)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var now = beliefs.Current();
            if (now.Count == 1 && Stopwatch.GetElapsedTime(now[0].Since) > TimeSpan.FromMilliseconds(500))
            {
                return now[0].Elector;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no stable leader within 60 s");
    }

    /// <summary>Milliseconds from the fault to the first new belief by another elector (or, with anyNewTerm, by any elector in a new term); null if none came within the window.</summary>
    private static async Task<double?> FailoverAsync(Beliefs beliefs, string leader, long t0, TimeSpan window, bool anyNewTerm = false)
    {
        var first = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        long oldToken = beliefs.Current().FirstOrDefault(c => c.Elector == leader).Token;
        void OnBegan(string elector, long token, long at)
        {
            if (at >= t0 && (elector != leader || (anyNewTerm && token != oldToken)))
            {
                first.TrySetResult(at);
            }
        }

        beliefs.Began += OnBegan;
        try
        {
            TimeSpan left = window - Stopwatch.GetElapsedTime(t0);
            Task done = await Task.WhenAny(first.Task, Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero));
            return done == first.Task ? Stopwatch.GetElapsedTime(t0, first.Task.Result).TotalMilliseconds : null;
        }
        finally
        {
            beliefs.Began -= OnBegan;
        }
    }

    private static async Task WaitUntilAsync(long t0, TimeSpan span)
    {
        TimeSpan left = span - Stopwatch.GetElapsedTime(t0);
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }
    }
}
