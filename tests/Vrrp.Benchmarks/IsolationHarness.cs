using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Linux.Timing;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Protocol;
using Vrrp.Testing;
using Vrrp.Transport;

namespace Vrrp.Benchmarks;

/// <summary>
/// Prints how far 50 routers' adverts at 10 ms stray from their interval while one router's StateChanged handler
/// blocks 3 s, another's address manager blocks 2 s, a fourth's announcer throws, and every state change is written
/// to a console whose pipe nobody reads:
/// <c>dotnet run -c Release --project tests/Vrrp.Benchmarks -- --isolation</c>, with the routers' default runners
/// (seams on the thread pool, listeners on threads of their own). Exits 1 when the p99 is over 1 ms, or the throwing
/// router is not in Fault with its failures counted. Note: on Unix a blocked <c>Console.Out</c> blocks <c>Console.Error</c> too (the console's writes
/// share a lock on <c>Console.Out</c>), so nothing is printed until the blocked writer is swapped out.
/// </summary>
internal static class IsolationHarness
{
    private const int Routers = 50;
    private const int BlockedHandler = 1, BlockedManager = 2, ThrowingAnnouncer = 4;
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(8);

    public static int Run()
    {
        TextWriter stdout = Console.Out;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Routers} routers at {s_interval.TotalMilliseconds} ms on PreciseTimeProvider, {s_run.TotalSeconds} s; router {BlockedHandler}'s StateChanged handler blocks 3 s, router {BlockedManager}'s address manager 2 s, router {ThrowingAnnouncer}'s announcer throws; state changes go to a console pipe nobody reads"));
        stdout.WriteLine("lateness of each advert against the one before it plus the interval, over every router but the throwing one, from its takeover on:");
        return RunOnce("default runners", stdout);
    }

    private static int RunOnce(string name, TextWriter stdout)
    {
        VrrpActionRunner? runner = null; // the defaults: seams on the thread pool, listeners on threads of their own
        // A console whose reader never reads: once the pipe's buffer is full, every write blocks.
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var unread = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var blockedConsole = new StreamWriter(pipe) { AutoFlush = true };
        Console.SetOut(blockedConsole);

        using var time = new PreciseTimeProvider();
        var transport = new RecordingTransport();
        using var seams = new Seams();
        var notifier = new ConsoleNotifier();
        var routers = new VirtualRouter[Routers];
        for (int i = 0; i < Routers; i++)
        {
            var options = new VirtualRouterOptions
            {
                Name = $"VR{i + 1}",
                Interface = "lab0",
                VirtualRouterId = i + 1,
                Priority = 100,
                AdvertisementInterval = s_interval,
            };
            options.VirtualAddresses.Add($"198.51.100.{100 + i}/24");
            routers[i] = new VirtualRouter(options, transport, seams, seams, time, notifier, runner);
        }

        routers[BlockedHandler - 1].StateChanged += (_, change) =>
        {
            if (change.To == VrrpState.Master)
            {
                Thread.Sleep(3000); // the user's code, not the protocol's
            }
        };

        foreach (VirtualRouter router in routers)
        {
            router.Start();
        }

        Thread.Sleep(s_run);
        long[][] sends = transport.Snapshot();
        long end = Stopwatch.GetTimestamp();
        VirtualRouter thrower = routers[ThrowingAnnouncer - 1];
        string throwerState = thrower.State.ToString();
        long throwerFailures = thrower.Statistics.ActionFailures;

        // Closing the pipe's read end ends the blocked writes (EPIPE) before the console is swapped back: SetOut takes
        // the lock a blocked writer holds. Then the routers stop.
        notifier.Close();
        seams.Release();
        unread.Dispose();
        pipe.DisposeLocalCopyOfClientHandle();
        foreach (VirtualRouter router in routers)
        {
            router.Halt();
        }

        Console.SetOut(stdout);

        var lateness = new List<double>();
        for (int i = 0; i < Routers; i++)
        {
            if (i + 1 == ThrowingAnnouncer)
            {
                continue;
            }

            long[] times = sends[i];
            for (int k = 1; k < times.Length; k++)
            {
                lateness.Add(((times[k] - times[k - 1]) * 1000.0 / Stopwatch.Frequency) - s_interval.TotalMilliseconds);
            }

            // A router that stopped advertising altogether: its next advert is at least this late.
            if (times.Length > 0)
            {
                lateness.Add(Math.Max(0, ((end - times[^1]) * 1000.0 / Stopwatch.Frequency) - s_interval.TotalMilliseconds));
            }
        }

        lateness.Sort();
        double p50 = Percentile(lateness, 0.50), p99 = Percentile(lateness, 0.99), max = lateness.Count > 0 ? lateness[^1] : double.NaN;
        int adverts = sends.Sum(s => s.Length);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-18} {adverts,6} adverts; lateness p50 {p50,7:F3} ms, p99 {p99,7:F3} ms, max {max,9:F3} ms; router {ThrowingAnnouncer}: {throwerState}, {throwerFailures} action failures; console lines written {notifier.Written}"));

        return p99 > 1.0 || throwerFailures == 0 || throwerState != nameof(VrrpState.Fault) ? 1 : 0;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    // Records when each router's adverts leave: the VRID is the IPv4 packet's 22nd byte.
    private sealed class RecordingTransport : IVrrpTransport
    {
        private readonly long[][] _sends = [.. Enumerable.Range(0, Routers).Select(_ => new long[4096])];
        private readonly int[] _counts = new int[Routers];

        public AddressFamily Family => AddressFamily.InterNetwork;

        public PackedIPAddress PrimaryAddress { get; } = PackedIPAddress.Parse("198.51.100.11");

        public MacAddress InterfaceMac { get; } = MacAddress.Parse("02:00:00:00:00:11");

        public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination)
        {
            int router = packet[IPv4Header.MinimumLength + 1] - 1;
            lock (_counts)
            {
                if (_counts[router] < _sends[router].Length)
                {
                    _sends[router][_counts[router]++] = Stopwatch.GetTimestamp();
                }
            }

            return true;
        }

        public void Register(byte virtualRouterId, IAdvertisementReceiver receiver)
        {
        }

        public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver)
        {
        }

        public long[][] Snapshot()
        {
            lock (_counts)
            {
                return [.. _sends.Select((s, i) => s[.._counts[i]])];
            }
        }
    }

    private sealed class Seams : IVirtualAddressManager, IAddressAnnouncer, IDisposable
    {
        private readonly ManualResetEventSlim _release = new();

        public void Release() => _release.Set();

        public void Dispose() => _release.Dispose();

        public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
        {
            if (router.VirtualRouterId == BlockedManager)
            {
                _release.Wait(TimeSpan.FromSeconds(2)); // a netlink round trip that hangs
            }
        }

        public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
        {
        }

        public void Announce(VirtualRouter router, int repeat)
        {
            if (router.VirtualRouterId == ThrowingAnnouncer)
            {
                throw new IOException("the packet socket is gone");
            }
        }
    }

    // What vrrpd did: a line per state change on the console.
    private sealed class ConsoleNotifier : IVrrpNotifier
    {
        private static readonly string s_padding = new('.', 2000);
        private int _written;
        private volatile bool _closed;

        public int Written => Volatile.Read(ref _written);

        // The run is over: the notifications still queued are not written to the real console once it is back.
        public void Close() => _closed = true;

        public void OnStateChanged(VirtualRouter router, in StateChange change)
        {
            if (_closed)
            {
                return;
            }

            Console.WriteLine($"{router.Name}: {change.From} -> {change.To} {s_padding}");
            Interlocked.Increment(ref _written);
        }
    }
}
