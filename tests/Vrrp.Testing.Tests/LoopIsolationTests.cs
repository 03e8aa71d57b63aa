using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

/// <summary>
/// The protocol loop never waits on user code or on a seam: handlers, address managers and announcers run off it
/// (RFC 9568 §6.4.2's advertisements keep their rhythm whatever the host is doing), and a seam that throws is
/// counted and shows as Fault, never as a silent dead router.
/// </summary>
public sealed class LoopIsolationTests : IDisposable
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(100);
    private readonly VirtualClock _clock = new();
    private readonly InMemoryNetwork _network;
    private readonly InMemoryHost _host;
    private readonly List<VirtualRouter> _routers = [];
    private readonly ManualResetEventSlim _release = new();

    public LoopIsolationTests()
    {
        _network = new InMemoryNetwork(_clock);
        _host = _network.AddHost("a");
        _network.AddHost("listener"); // hears the adverts, so that each is in the frame log
    }

    [Fact]
    public void A_state_change_handler_that_never_returns_delays_no_advertisement_of_its_router_or_another()
    {
        // Input: two routers alone on a link, actions on the thread pool; router 1's StateChanged handler blocks until
        // the test ends. The clock moves 10 s.
        // Expected: the clock moved while the handler was still blocked; both routers are Master and sent one advert
        // every 100 ms from their takeover on; once released, router 1's notifications arrive in order.
        VirtualRouter stuck = AddRouter(1), other = AddRouter(2);
        var seen = new List<StateChange>();
        using var entered = new ManualResetEventSlim();
        bool returned = false;
        stuck.StateChanged += (_, change) =>
        {
            lock (seen)
            {
                seen.Add(change);
            }

            entered.Set();
            _release.Wait(TimeSpan.FromSeconds(30));
            Volatile.Write(ref returned, true);
        };
        StartAll();

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.True(entered.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the handler ran");
        Assert.False(Volatile.Read(ref returned), "the clock moved on while the handler was blocked");
        AssertAdvertisedEveryInterval(stuck);
        AssertAdvertisedEveryInterval(other);

        _release.Set();
        WaitForActions(stuck);
        Assert.Equal(stuck.GetHistory(), seen);
    }

    [Fact]
    public void A_state_change_handler_that_never_returns_holds_up_no_address_change_or_announcement_of_its_router()
    {
        // Input: one router, actions on the thread pool; its StateChanged handler blocks on the first change
        // (Initialize -> Backup) until the test ends. The clock moves past Master_Down_Interval.
        // Expected: while the handler is still blocked, the router became Master and its addresses were added and
        // announced: listeners have a lane of their own, so a stuck listener delays only later notifications.
        var manager = new SignallingAddressManager();
        var seen = new List<StateChange>();
        VirtualRouter router = AddRouter(1, manager, announcer: manager);
        bool returned = false;
        router.StateChanged += (_, change) =>
        {
            lock (seen)
            {
                seen.Add(change);
            }

            _release.Wait(TimeSpan.FromSeconds(30));
            Volatile.Write(ref returned, true);
        };
        StartAll();

        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(manager.Added.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the addresses were added");
        Assert.True(manager.Announced.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the addresses were announced");
        Assert.False(Volatile.Read(ref returned), "the handler was still blocked");
        Assert.Equal(VrrpState.Master, router.State);

        _release.Set();
        WaitForActions(router);
        Assert.Equal(router.GetHistory(), seen);
    }

    [Fact]
    public void An_address_manager_that_never_returns_delays_no_advertisement()
    {
        // Input: router 1's address manager blocks in AddAddresses until the test ends; router 2's returns at once.
        // Expected: the clock moved 10 s while the manager was blocked; both routers advertised every 100 ms.
        var manager = new BlockingAddressManager(_release, blockVirtualRouterId: 1);
        VirtualRouter stuck = AddRouter(1, manager), other = AddRouter(2, manager);
        StartAll();

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.True(manager.Blocked.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the manager was called");
        Assert.False(manager.Returned, "the clock moved on while the manager was blocked");
        AssertAdvertisedEveryInterval(stuck);
        AssertAdvertisedEveryInterval(other);
        _release.Set();
    }

    [Fact]
    public void An_announcer_that_throws_puts_its_router_in_Fault_counts_it_and_the_other_routers_go_on()
    {
        // Input: router 1's announcer throws; actions run inline on the virtual clock. 10 s.
        // Expected: router 1 went Master, failed to announce, entered Fault (reason ActionFailed), left it after
        // ActionFaultHold and tried again, each failure counted; router 2 stayed Master, advertising every 100 ms.
        var announcer = new ThrowingAnnouncer(throwFor: 1);
        VirtualRouter failing = AddRouter(1, announcer: announcer, runner: InlineActionRunner.Instance);
        VirtualRouter other = AddRouter(2, announcer: announcer, runner: InlineActionRunner.Instance);
        StartAll();

        _clock.Advance(TimeSpan.FromSeconds(10));

        StateChange[] history = failing.GetHistory();
        Assert.True(history.Length > 3, string.Join("; ", history.Select(c => $"{c.From}->{c.To} {c.Reason}")));
        Assert.Contains(history, c => c.From == VrrpState.Master && c.To == VrrpState.Fault && c.Reason == StateChangeReason.ActionFailed);
        Assert.Contains(history, c => c.From == VrrpState.Fault && c.Reason == StateChangeReason.ActionRecovered);
        long masterTerms = history.Count(c => c.To == VrrpState.Master);
        Assert.True(masterTerms >= 2, $"it tried again after the hold: {masterTerms} master terms");
        Assert.Equal(masterTerms, failing.Statistics.ActionFailures);
        Assert.Equal(VrrpState.Master, other.State);
        Assert.Equal(0, other.Statistics.ActionFailures);
        AssertAdvertisedEveryInterval(other);
    }

    [Fact]
    public void A_router_stopped_during_its_action_fault_hold_starts_again_without_the_fault()
    {
        // Input: the announcer throws once; the router enters Fault, is stopped during the 1 s hold, and is started
        // again 2 s later (inline actions, virtual clock).
        // Expected: after the restart it leaves Initialize for Backup and becomes Master: the stale fault is gone.
        var announcer = new ThrowingAnnouncer(throwFor: 1, times: 1);
        VirtualRouter router = AddRouter(1, announcer: announcer, runner: InlineActionRunner.Instance);
        StartAll();
        _clock.Advance(TimeSpan.FromMilliseconds(500)); // master after ~0.34 s, then Fault until ~1.34 s
        Assert.Equal(VrrpState.Fault, router.State);

        router.Stop();
        _clock.Advance(TimeSpan.FromSeconds(2));
        router.Start();
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(VrrpState.Master, router.State);
        Assert.Equal(1, router.Statistics.ActionFailures);
    }

    [Fact]
    public void A_handler_that_throws_is_counted_and_the_router_goes_on()
    {
        // Input: a StateChanged handler that always throws; inline actions; 5 s.
        // Expected: the router is Master, advertising; each change's failure is counted; a notifier hears of it.
        var failures = new List<string>();
        var notifier = new RecordingNotifier(failures);
        VirtualRouter router = AddRouter(1, runner: InlineActionRunner.Instance, notifier: notifier);
        router.StateChanged += (_, _) => throw new InvalidOperationException("handler bug");
        StartAll();

        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(VrrpState.Master, router.State);
        Assert.Equal(2, router.Statistics.NotifierFailures); // Initialize->Backup, Backup->Master
        Assert.Equal(["state-change handler", "state-change handler"], failures);
        AssertAdvertisedEveryInterval(router);
    }

    [Fact]
    public void Notifications_of_a_flapping_router_arrive_in_order_when_actions_run_on_the_thread_pool()
    {
        // Input: a master and a backup; the backup's priority moves above and below the master's 26 times (it
        // preempts, then the master preempts back); a handler that takes a little real time per change.
        // Expected: the handler saw exactly the router's history, in order.
        VirtualRouter master = AddRouter(1, priority: 150);
        InMemoryHost second = _network.AddHost("b");
        VirtualRouter flapper = AddRouter(1, priority: 100, host: second);
        var seen = new List<StateChange>();
        flapper.StateChanged += (_, change) =>
        {
            Thread.SpinWait(2000);
            lock (seen)
            {
                seen.Add(change);
            }
        };
        StartAll();
        _clock.Advance(TimeSpan.FromSeconds(2));

        for (int i = 0; i < 26; i++)
        {
            flapper.SetPriority(i % 2 == 0 ? 200 : 100); // at 100, the master (150) preempts back
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        WaitForActions(flapper);
        Assert.Equal(VrrpState.Master, master.State);
        Assert.True(seen.Count > 20, $"{seen.Count} changes");
        Assert.Equal(flapper.GetHistory(), seen); // fewer than the history's 64
        Assert.Equal(0, flapper.Statistics.NotificationsDropped);
    }

    [Fact]
    public void Behind_an_address_manager_that_never_returns_a_flapping_router_drops_changes_past_the_limit_and_counts_them()
    {
        // Input: a flapper whose address manager blocks on its first call until the test ends; its priority moves
        // above and below a master's 1,200 times (2,400 changes).
        // Expected: the clock kept moving; the changes queued behind the stuck manager stop at the limit (1,024), the
        // rest are dropped and counted.
        var manager = new BlockingAddressManager(_release, blockVirtualRouterId: 1);
        VirtualRouter master = AddRouter(1, priority: 150);
        InMemoryHost second = _network.AddHost("b");
        VirtualRouter flapper = AddRouter(1, manager, priority: 100, host: second);
        StartAll();
        _clock.Advance(TimeSpan.FromSeconds(2));

        for (int i = 0; i < 2400; i++)
        {
            flapper.SetPriority(i % 2 == 0 ? 200 : 100);
            _clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.True(manager.Blocked.IsSet, "the manager was called and is stuck");
        Assert.True(flapper.Statistics.NotificationsDropped > 0, $"{flapper.Statistics.NotificationsDropped} dropped");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Past_the_limit_changes_are_coalesced_and_listeners_still_end_up_told_the_routers_state(bool stuckHandler)
    {
        // Input: a flapper whose first StateChanged handler call (or first address change) blocks until released,
        // while its priority moves above and below a master's 1,201 times (2,401 moves; the last makes it master);
        // then the handler (or the manager) is released.
        // Expected: the handler's last change is the router's state; each change it saw starts where the one before
        // ended; the states it never saw are counted. Before: the newest changes were dropped, so the handler's last
        // change said Backup while the router was master (and the other way round: a notify_master never followed by
        // the notify_backup of a router that had left Master).
        var manager = stuckHandler ? null : new BlockingAddressManager(_release, blockVirtualRouterId: 1);
        VirtualRouter master = AddRouter(1, priority: 150);
        InMemoryHost second = _network.AddHost("b");
        VirtualRouter flapper = AddRouter(1, manager, priority: 100, host: second);
        var seen = new List<StateChange>();
        int calls = 0;
        flapper.StateChanged += (_, change) =>
        {
            if (stuckHandler && Interlocked.Increment(ref calls) == 3)
            {
                _release.Wait();
            }

            lock (seen)
            {
                seen.Add(change);
            }
        };
        StartAll();
        _clock.Advance(TimeSpan.FromSeconds(2));

        for (int i = 0; i < 2401; i++)
        {
            flapper.SetPriority(i % 2 == 0 ? 200 : 100);
            _clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(VrrpState.Master, flapper.State);
        Assert.True(flapper.Statistics.NotificationsDropped > 0, $"{flapper.Statistics.NotificationsDropped} dropped");
        _release.Set();
        WaitForActions(flapper);
        SpinWait.SpinUntil(() => { lock (seen) { return seen.Count > 0 && seen[^1].To == flapper.State; } }, TimeSpan.FromSeconds(30));
        lock (seen)
        {
            Assert.Equal(flapper.State, seen[^1].To);
            for (int i = 1; i < seen.Count; i++)
            {
                Assert.Equal(seen[i - 1].To, seen[i].From);
            }
        }

        Assert.Equal(VrrpState.Backup, master.State);
    }

    public void Dispose()
    {
        _release.Set();
        foreach (VirtualRouter router in _routers)
        {
            router.Dispose();
        }

        _network.Dispose();
        _release.Dispose();
    }

    private static void WaitForActions(VirtualRouter router)
    {
        // Real time: the actions run on pool threads. A bound, not a measurement.
        Assert.True(SpinWait.SpinUntil(() => router.PendingActions == 0, TimeSpan.FromSeconds(30)), "the router's actions drained");
    }

    private VirtualRouter AddRouter(
        byte vrid,
        IVirtualAddressManager? manager = null,
        IAddressAnnouncer? announcer = null,
        VrrpActionRunner? runner = null,
        IVrrpNotifier? notifier = null,
        int priority = 100,
        InMemoryHost? host = null)
    {
        var options = new VirtualRouterOptions
        {
            Name = $"VR{vrid}",
            Interface = "lab0",
            VirtualRouterId = vrid,
            Priority = priority,
            AdvertisementInterval = s_interval,
        };
        options.VirtualAddresses.Add($"198.51.100.{100 + vrid}/24");
        var router = new VirtualRouter(
            options,
            (host ?? _host).GetTransport(AddressFamily.InterNetwork),
            manager ?? NullAddressManager.Instance,
            announcer ?? NullAddressManager.Instance,
            _clock,
            notifier,
            runner ?? VrrpActionRunner.ThreadPool);
        _routers.Add(router);
        return router;
    }

    private void StartAll()
    {
        foreach (VirtualRouter router in _routers)
        {
            router.Start();
        }
    }

    // From its last takeover on, the router's adverts left exactly one interval apart, up to now.
    private void AssertAdvertisedEveryInterval(VirtualRouter router)
    {
        Assert.Equal(VrrpState.Master, router.State);
        DateTimeOffset since = router.GetHistory().Last(c => c.To == VrrpState.Master).Timestamp;
        DateTimeOffset[] sent = [.. _network.GetFrameLog()
            .Where(f => f.From == "a" && f.To == "listener" && f.VirtualRouterId == router.VirtualRouterId && f.Time >= since)
            .Select(f => f.Time)];
        Assert.True(sent.Length >= 10, $"{router.Name}: {sent.Length} adverts since {since:O}");
        for (int i = 1; i < sent.Length; i++)
        {
            Assert.Equal(s_interval, sent[i] - sent[i - 1]);
        }

        Assert.True(_clock.GetUtcNow() - sent[^1] < s_interval, $"{router.Name}: the last advert left at {sent[^1]:O}");
    }

    private sealed class BlockingAddressManager(ManualResetEventSlim release, byte blockVirtualRouterId) : IVirtualAddressManager
    {
        private volatile bool _returned;

        public ManualResetEventSlim Blocked { get; } = new();

        public bool Returned => _returned;

        public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
        {
            if (router.VirtualRouterId == blockVirtualRouterId)
            {
                Blocked.Set();
                release.Wait(TimeSpan.FromSeconds(30));
                _returned = true;
            }
        }

        public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
        {
        }
    }

    private sealed class SignallingAddressManager : IVirtualAddressManager, IAddressAnnouncer
    {
        public ManualResetEventSlim Added { get; } = new();

        public ManualResetEventSlim Announced { get; } = new();

        public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses) => Added.Set();

        public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
        {
        }

        public void Announce(VirtualRouter router, int repeat) => Announced.Set();
    }

    private sealed class ThrowingAnnouncer(byte throwFor, int times = int.MaxValue) : IAddressAnnouncer
    {
        private int _thrown;

        public void Announce(VirtualRouter router, int repeat)
        {
            if (router.VirtualRouterId == throwFor && _thrown < times)
            {
                _thrown++;
                throw new IOException("the packet socket is gone");
            }
        }
    }

    private sealed class RecordingNotifier(List<string> failures) : IVrrpNotifier
    {
        public void OnStateChanged(VirtualRouter router, in StateChange change)
        {
        }

        public void OnActionFailed(VirtualRouter router, string seam, Exception exception) => failures.Add(seam);
    }
}
