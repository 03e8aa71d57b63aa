using FsCheck.Xunit;

namespace Vrrp.Testing.Tests;

/// <summary>The discrete-event clock: order, due times, re-arming, disposal, and no garbage in steady state.</summary>
public sealed class VirtualClockTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_infinite = Timeout.InfiniteTimeSpan;

    private static readonly TimerCallback s_count = static state => ((Counter)state!).Count++;

    [Fact]
    public void A_new_clock_reads_its_start_in_utc_with_no_timers()
    {
        var clock = new VirtualClock();

        Assert.Equal(s_start, clock.GetUtcNow());
        Assert.Equal(TimeSpan.Zero, clock.GetUtcNow().Offset);
        Assert.Equal(s_start, clock.Start);
        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
        Assert.Equal(0, clock.GetTimestamp());
        Assert.Equal(TimeSpan.TicksPerSecond, clock.TimestampFrequency);
        Assert.Same(TimeZoneInfo.Utc, clock.LocalTimeZone);
        Assert.Equal(0, clock.PendingTimerCount);
        Assert.Null(clock.NextDueTime);
    }

    [Fact]
    public void A_start_with_an_offset_is_read_back_in_utc()
    {
        var clock = new VirtualClock(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.FromHours(2)));

        Assert.Equal(new DateTimeOffset(2030, 6, 1, 10, 0, 0, TimeSpan.Zero), clock.GetUtcNow());
        Assert.Equal(TimeSpan.Zero, clock.GetUtcNow().Offset);
    }

    [Fact]
    public void Advance_without_timers_moves_now_timestamps_and_elapsed_together()
    {
        var clock = new VirtualClock();
        long before = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(s_start.AddMilliseconds(1500), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMilliseconds(1500), clock.Elapsed);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), clock.GetElapsedTime(before));
        Assert.Equal(TimeSpan.FromMilliseconds(1500).Ticks, clock.GetTimestamp());
    }

    [Fact]
    public void Timers_fire_in_order_of_due_time_whatever_order_they_were_created_in()
    {
        // Input: timers due at 30, 10, 20 ms, created in that order; one Advance of 50 ms.
        // Expected: they fire 10, 20, 30.
        var clock = new VirtualClock();
        var fired = new List<string>();
        using ITimer c = clock.CreateTimer(_ => fired.Add("c"), null, TimeSpan.FromMilliseconds(30), s_infinite);
        using ITimer a = clock.CreateTimer(_ => fired.Add("a"), null, TimeSpan.FromMilliseconds(10), s_infinite);
        using ITimer b = clock.CreateTimer(_ => fired.Add("b"), null, TimeSpan.FromMilliseconds(20), s_infinite);

        clock.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(["a", "b", "c"], fired);
        Assert.Equal(TimeSpan.FromMilliseconds(50), clock.Elapsed);
        Assert.Equal(0, clock.PendingTimerCount);
    }

    [Fact]
    public void Each_callback_sees_the_clock_at_its_own_due_time()
    {
        // Input: timers due at 1 ms, 250 ms, 999 ms, 1 s; one Advance of 1 h.
        // Expected: each callback reads its own due time from GetUtcNow and GetTimestamp; the clock ends at 1 h.
        var clock = new VirtualClock();
        var seen = new List<(DateTimeOffset Now, long Timestamp)>();
        TimeSpan[] dues = [TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(999), TimeSpan.FromSeconds(1)];
        var timers = new List<ITimer>();
        foreach (TimeSpan due in dues)
        {
            timers.Add(clock.CreateTimer(_ => seen.Add((clock.GetUtcNow(), clock.GetTimestamp())), null, due, s_infinite));
        }

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal([.. dues.Select(d => (s_start + d, d.Ticks))], seen);
        Assert.Equal(s_start.AddHours(1), clock.GetUtcNow());
    }

    [Fact]
    public void Timers_armed_by_callbacks_within_the_window_fire_in_the_same_advance()
    {
        // Input: a timer at 10 ms arms one at +15 ms (25 ms), which arms one at +20 ms (45 ms), which arms one at +100 ms (145 ms); Advance 50 ms.
        // Expected: 10, 25, 45 fire in this Advance at their own times; 145 stays pending and fires in the next one.
        var clock = new VirtualClock();
        var fired = new List<TimeSpan>();
        ITimer? third = null;
        ITimer? fourth = null;
        ITimer? second = null;
        using ITimer first = clock.CreateTimer(_ =>
        {
            fired.Add(clock.Elapsed);
            second = clock.CreateTimer(_ =>
            {
                fired.Add(clock.Elapsed);
                third = clock.CreateTimer(_ =>
                {
                    fired.Add(clock.Elapsed);
                    fourth = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromMilliseconds(100), s_infinite);
                }, null, TimeSpan.FromMilliseconds(20), s_infinite);
            }, null, TimeSpan.FromMilliseconds(15), s_infinite);
        }, null, TimeSpan.FromMilliseconds(10), s_infinite);

        clock.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal([TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(45)], fired);
        Assert.Equal(1, clock.PendingTimerCount);
        Assert.Equal(s_start.AddMilliseconds(145), clock.NextDueTime);
        Assert.Equal(TimeSpan.FromMilliseconds(50), clock.Elapsed);

        clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(TimeSpan.FromMilliseconds(145), fired[^1]);
        Assert.Equal(0, clock.PendingTimerCount);
    }

    [Fact]
    public void A_timer_armed_with_zero_due_time_in_a_callback_fires_right_after_that_callback()
    {
        // Input: A and B due at 10 ms (A armed first); A arms C with due time zero; D due at 11 ms.
        // Expected: A, B, C at 10 ms (C after B: B was armed earlier for the same instant), then D at 11 ms.
        var clock = new VirtualClock();
        var fired = new List<(string Name, TimeSpan At)>();
        ITimer? c = null;
        using ITimer a = clock.CreateTimer(_ =>
        {
            fired.Add(("A", clock.Elapsed));
            c = clock.CreateTimer(_ => fired.Add(("C", clock.Elapsed)), null, TimeSpan.Zero, s_infinite);
        }, null, TimeSpan.FromMilliseconds(10), s_infinite);
        using ITimer b = clock.CreateTimer(_ => fired.Add(("B", clock.Elapsed)), null, TimeSpan.FromMilliseconds(10), s_infinite);
        using ITimer d = clock.CreateTimer(_ => fired.Add(("D", clock.Elapsed)), null, TimeSpan.FromMilliseconds(11), s_infinite);

        clock.Advance(TimeSpan.FromMilliseconds(10.5));

        Assert.Equal([("A", TimeSpan.FromMilliseconds(10)), ("B", TimeSpan.FromMilliseconds(10)), ("C", TimeSpan.FromMilliseconds(10))], fired);

        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(("D", TimeSpan.FromMilliseconds(11)), fired[^1]);
    }

    [Fact]
    public void Advance_by_zero_fires_the_timers_already_due()
    {
        var clock = new VirtualClock();
        var counter = new Counter();
        using ITimer timer = clock.CreateTimer(s_count, counter, TimeSpan.Zero, s_infinite);

        clock.Advance(TimeSpan.Zero);

        Assert.Equal(1, counter.Count);
        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
    }

    [Fact]
    public void Timers_due_at_the_same_instant_fire_in_the_order_they_were_armed()
    {
        // Input: five timers due at 100 ms, armed 0..4; then timer 1 is re-armed for the same instant.
        // Expected: 0, 2, 3, 4, 1 (re-arming puts a timer at the back of its instant).
        var clock = new VirtualClock();
        var fired = new List<int>();
        var timers = new ITimer[5];
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = clock.CreateTimer(state => fired.Add((int)state!), i, TimeSpan.FromMilliseconds(100), s_infinite);
        }

        clock.Advance(TimeSpan.FromMilliseconds(40));
        Assert.True(timers[1].Change(TimeSpan.FromMilliseconds(60), s_infinite));
        clock.Advance(TimeSpan.FromMilliseconds(60));

        Assert.Equal([0, 2, 3, 4, 1], fired);
    }

    [Fact]
    public void Change_moves_the_due_time_and_the_old_one_no_longer_fires()
    {
        var clock = new VirtualClock();
        var fired = new List<TimeSpan>();
        using ITimer timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromMilliseconds(100), s_infinite);

        Assert.True(timer.Change(TimeSpan.FromMilliseconds(300), s_infinite));
        Assert.Equal(1, clock.PendingTimerCount);
        Assert.Equal(s_start.AddMilliseconds(300), clock.NextDueTime);
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Empty(fired);

        Assert.True(timer.Change(TimeSpan.FromMilliseconds(10), s_infinite));
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([TimeSpan.FromMilliseconds(260)], fired);
        Assert.Equal(0, clock.PendingTimerCount);
        Assert.Null(clock.NextDueTime);
    }

    [Fact]
    public void Change_to_an_infinite_due_time_disarms_and_a_later_change_re_arms()
    {
        var clock = new VirtualClock();
        var counter = new Counter();
        using ITimer timer = clock.CreateTimer(s_count, counter, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));

        Assert.True(timer.Change(s_infinite, s_infinite));
        Assert.Equal(0, clock.PendingTimerCount);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, counter.Count);

        Assert.True(timer.Change(TimeSpan.FromMilliseconds(5), s_infinite));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, counter.Count);
    }

    [Fact]
    public void A_timer_created_with_an_infinite_due_time_is_not_armed()
    {
        var clock = new VirtualClock();
        var counter = new Counter();
        using ITimer timer = clock.CreateTimer(s_count, counter, s_infinite, TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, counter.Count);
        Assert.Equal(0, clock.PendingTimerCount);
    }

    [Fact]
    public void A_periodic_timer_fires_at_its_due_time_and_then_every_period()
    {
        // Input: due 100 ms, period 250 ms; Advance 1 s.
        // Expected: 100, 350, 600, 850 ms; the next is due at 1,100 ms.
        var clock = new VirtualClock();
        var fired = new List<TimeSpan>();
        using ITimer timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250));

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([100, 350, 600, 850], fired.Select(t => (int)t.TotalMilliseconds));
        Assert.Equal(s_start.AddMilliseconds(1100), clock.NextDueTime);
        Assert.Equal(1, clock.PendingTimerCount);
    }

    [Fact]
    public void A_periodic_timer_with_a_zero_or_infinite_period_fires_once()
    {
        var clock = new VirtualClock();
        var zero = new Counter();
        var infinite = new Counter();
        using ITimer a = clock.CreateTimer(s_count, zero, TimeSpan.FromMilliseconds(1), TimeSpan.Zero);
        using ITimer b = clock.CreateTimer(s_count, infinite, TimeSpan.FromMilliseconds(1), s_infinite);

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, zero.Count);
        Assert.Equal(1, infinite.Count);
        Assert.Equal(0, clock.PendingTimerCount);
    }

    [Fact]
    public void A_change_made_by_a_periodic_timers_own_callback_replaces_its_period()
    {
        // Input: period 100 ms; on its second call the callback changes it to a one-shot in 30 ms.
        // Expected: 100, 200, 230 ms, then nothing.
        var clock = new VirtualClock();
        var fired = new List<int>();
        ITimer? timer = null;
        timer = clock.CreateTimer(_ =>
        {
            fired.Add((int)clock.Elapsed.TotalMilliseconds);
            if (fired.Count == 2)
            {
                timer!.Change(TimeSpan.FromMilliseconds(30), s_infinite);
            }
        }, null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([100, 200, 230], fired);
        Assert.Equal(0, clock.PendingTimerCount);
        timer.Dispose();
    }

    [Fact]
    public void Dispose_disarms_for_good_and_change_then_returns_false()
    {
        var clock = new VirtualClock();
        var counter = new Counter();
        ITimer timer = clock.CreateTimer(s_count, counter, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));

        timer.Dispose();
        timer.Dispose();

        Assert.Equal(0, clock.PendingTimerCount);
        Assert.False(timer.Change(TimeSpan.FromMilliseconds(1), s_infinite));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, counter.Count);
    }

    [Fact]
    public async Task DisposeAsync_disarms_for_good()
    {
        var clock = new VirtualClock();
        var counter = new Counter();
        ITimer timer = clock.CreateTimer(s_count, counter, TimeSpan.FromMilliseconds(10), s_infinite);

        await timer.DisposeAsync();

        Assert.False(timer.Change(TimeSpan.FromMilliseconds(1), s_infinite));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, counter.Count);
    }

    [Fact]
    public void A_periodic_timer_disposed_by_its_own_callback_stops()
    {
        var clock = new VirtualClock();
        int calls = 0;
        ITimer? timer = null;
        timer = clock.CreateTimer(_ =>
        {
            if (++calls == 3)
            {
                timer!.Dispose();
            }
        }, null, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(3, calls);
        Assert.Equal(0, clock.PendingTimerCount);
    }

    [Fact]
    public void AdvanceTo_fires_what_is_due_and_refuses_to_go_back()
    {
        var clock = new VirtualClock();
        var counter = new Counter();
        using ITimer timer = clock.CreateTimer(s_count, counter, TimeSpan.FromSeconds(2), s_infinite);

        clock.AdvanceTo(s_start.AddSeconds(2));
        Assert.Equal(1, counter.Count);
        Assert.Equal(s_start.AddSeconds(2), clock.GetUtcNow());

        clock.AdvanceTo(s_start.AddSeconds(2));
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => clock.AdvanceTo(s_start.AddSeconds(1)));
        Assert.Equal("target", error.ParamName);
        Assert.Equal(s_start.AddSeconds(2), clock.GetUtcNow());
    }

    [Fact]
    public void Negative_times_are_refused()
    {
        var clock = new VirtualClock();
        using ITimer timer = clock.CreateTimer(s_count, new Counter(), s_infinite, s_infinite);

        Assert.Throws<ArgumentOutOfRangeException>("delta", () => clock.Advance(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>("limit", () => clock.RunUntilIdle(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>("dueTime", () => timer.Change(TimeSpan.FromMilliseconds(-2), s_infinite));
        Assert.Throws<ArgumentOutOfRangeException>("period", () => timer.Change(TimeSpan.Zero, TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>("dueTime", () => clock.CreateTimer(s_count, null, TimeSpan.FromTicks(-1), s_infinite));
        Assert.Throws<ArgumentNullException>("callback", () => clock.CreateTimer(null!, null, TimeSpan.Zero, s_infinite));
        Assert.Throws<ArgumentOutOfRangeException>("delta", () => clock.Advance(TimeSpan.MaxValue));
        Assert.Equal(0, clock.PendingTimerCount);
    }

    [Fact]
    public void RunUntilIdle_fires_every_one_shot_and_stops_at_the_last_due_time()
    {
        // Input: a chain 1 s -> +2 s -> +3 s of one-shots; RunUntilIdle with a 1 h limit.
        // Expected: idle after the third, and the clock reads 6 s, not 1 h.
        var clock = new VirtualClock();
        var fired = new List<int>();
        var timers = new List<ITimer>();
        timers.Add(clock.CreateTimer(_ =>
        {
            fired.Add((int)clock.Elapsed.TotalSeconds);
            timers.Add(clock.CreateTimer(_ =>
            {
                fired.Add((int)clock.Elapsed.TotalSeconds);
                timers.Add(clock.CreateTimer(_ => fired.Add((int)clock.Elapsed.TotalSeconds), null, TimeSpan.FromSeconds(3), s_infinite));
            }, null, TimeSpan.FromSeconds(2), s_infinite));
        }, null, TimeSpan.FromSeconds(1), s_infinite));

        Assert.True(clock.RunUntilIdle(TimeSpan.FromHours(1)));

        Assert.Equal([1, 3, 6], fired);
        Assert.Equal(TimeSpan.FromSeconds(6), clock.Elapsed);
        Assert.True(clock.RunUntilIdle(TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromSeconds(6), clock.Elapsed);
    }

    [Fact]
    public void RunUntilIdle_with_a_periodic_timer_runs_to_the_limit()
    {
        var clock = new VirtualClock();
        var counter = new Counter();
        using ITimer timer = clock.CreateTimer(s_count, counter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        Assert.False(clock.RunUntilIdle(TimeSpan.FromSeconds(10.5)));

        Assert.Equal(10, counter.Count);
        Assert.Equal(TimeSpan.FromSeconds(10.5), clock.Elapsed);
    }

    [Fact]
    public void Moving_the_clock_from_inside_a_callback_throws_and_the_outer_step_completes()
    {
        var clock = new VirtualClock();
        var errors = new List<InvalidOperationException>();
        var after = new Counter();
        using ITimer reentrant = clock.CreateTimer(_ =>
        {
            errors.Add(Assert.Throws<InvalidOperationException>(() => clock.Advance(TimeSpan.FromMilliseconds(1))));
            errors.Add(Assert.Throws<InvalidOperationException>(() => clock.AdvanceTo(clock.GetUtcNow())));
            errors.Add(Assert.Throws<InvalidOperationException>(() => clock.RunUntilIdle(TimeSpan.FromSeconds(1))));
        }, null, TimeSpan.FromMilliseconds(10), s_infinite);
        using ITimer later = clock.CreateTimer(s_count, after, TimeSpan.FromMilliseconds(20), s_infinite);

        clock.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.Contains("inside one of its own timer callbacks", e.Message, StringComparison.Ordinal));
        Assert.Equal(1, after.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(50), clock.Elapsed);
        clock.Advance(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void An_exception_from_a_callback_leaves_the_clock_at_its_due_time_with_later_timers_pending()
    {
        var clock = new VirtualClock();
        var fired = new List<TimeSpan>();
        using ITimer failing = clock.CreateTimer(_ => throw new InvalidOperationException("callback failed"), null, TimeSpan.FromMilliseconds(10), s_infinite);
        using ITimer later = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromMilliseconds(20), s_infinite);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => clock.Advance(TimeSpan.FromMilliseconds(30)));

        Assert.Equal("callback failed", error.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(10), clock.Elapsed);
        Assert.Equal(1, clock.PendingTimerCount);
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal([TimeSpan.FromMilliseconds(20)], fired);
        Assert.Equal(TimeSpan.FromMilliseconds(30), clock.Elapsed);
    }

    [Fact]
    public void Re_arming_one_timer_many_times_without_moving_keeps_one_pending_entry_that_fires_once()
    {
        // Input: 10,000 re-arms of a timer (each superseding the last), plus a steady timer armed in between.
        // Expected: two pending timers; each fires once, at its last due time.
        var clock = new VirtualClock();
        var fired = new List<(int Id, TimeSpan At)>();
        using ITimer busy = clock.CreateTimer(_ => fired.Add((1, clock.Elapsed)), null, s_infinite, s_infinite);
        for (int i = 0; i < 5_000; i++)
        {
            busy.Change(TimeSpan.FromSeconds(1 + (i % 7)), s_infinite);
        }

        using ITimer steady = clock.CreateTimer(_ => fired.Add((2, clock.Elapsed)), null, TimeSpan.FromSeconds(3), s_infinite);
        for (int i = 0; i < 5_000; i++)
        {
            busy.Change(TimeSpan.FromSeconds(1 + (i % 5)), s_infinite);
        }

        Assert.Equal(2, clock.PendingTimerCount);
        Assert.Equal(s_start.AddSeconds(3), clock.NextDueTime);
        Assert.True(clock.RunUntilIdle(TimeSpan.FromMinutes(1)));

        Assert.Equal([(2, TimeSpan.FromSeconds(3)), (1, TimeSpan.FromSeconds(5))], fired);
    }

    [Fact]
    public async Task Timers_armed_from_other_threads_while_the_clock_moves_each_fire_once()
    {
        var clock = new VirtualClock();
        var counter = new AtomicCounter();
        CancellationToken cancellationToken = TestContext.Current.CancellationToken;
        Task<List<ITimer>>[] arming = new Task<List<ITimer>>[4];
        for (int t = 0; t < arming.Length; t++)
        {
            arming[t] = Task.Run(() =>
            {
                var timers = new List<ITimer>();
                for (int i = 0; i < 2_000; i++)
                {
                    ITimer timer = clock.CreateTimer(static s => ((AtomicCounter)s!).Increment(), counter, s_infinite, s_infinite);
                    if (i % 10 == 0)
                    {
                        // An arming far ahead, superseded at once: only the last arming may fire.
                        timer.Change(TimeSpan.FromDays(1000), s_infinite);
                    }

                    timer.Change(TimeSpan.FromMilliseconds(i % 3), s_infinite);
                    timers.Add(timer);
                }

                return timers;
            }, cancellationToken);
        }

        Task all = Task.WhenAll(arming);
        while (!all.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        await all;
        Assert.True(clock.RunUntilIdle(TimeSpan.FromSeconds(1)));
        Assert.Equal(8_000, counter.Value);
        Assert.Equal(0, clock.PendingTimerCount);
    }

    [Property(MaxTest = 300)]
    public void Fire_times_are_non_decreasing_and_equal_the_sorted_schedule(byte[] dues, byte[][] rearmDelays, byte[] steps)
    {
        // Input: timer i fires first at dues[i] ms, then its callback re-arms it after each delay of its own list in
        // turn; the clock moves in steps of 7 ms units, then runs until idle.
        // Expected: observed times never go back, equal the sorted schedule, and each timer keeps its own schedule.
        var clock = new VirtualClock();
        var scripts = new Script[dues.Length];
        var observed = new List<(int Timer, long Ms)>();
        for (int i = 0; i < dues.Length; i++)
        {
            byte[] delays = rearmDelays.Length == 0 ? [] : rearmDelays[i % rearmDelays.Length] ?? [];
            scripts[i] = new Script(i, delays, clock, observed);
            scripts[i].Timer = clock.CreateTimer(Script.Callback, scripts[i], TimeSpan.FromMilliseconds(dues[i]), s_infinite);
        }

        foreach (byte step in steps)
        {
            clock.Advance(TimeSpan.FromMilliseconds(7 * step));
        }

        Assert.True(clock.RunUntilIdle(TimeSpan.FromDays(1)));

        var expected = new List<(int Timer, long Ms)>();
        for (int i = 0; i < dues.Length; i++)
        {
            long at = dues[i];
            expected.Add((i, at));
            foreach (byte delay in scripts[i].Delays)
            {
                at += delay;
                expected.Add((i, at));
            }
        }

        long[] observedTimes = [.. observed.Select(o => o.Ms)];
        for (int k = 1; k < observedTimes.Length; k++)
        {
            Assert.True(observedTimes[k - 1] <= observedTimes[k], $"fire {k} at {observedTimes[k]} ms came after one at {observedTimes[k - 1]} ms");
        }

        Assert.Equal([.. expected.Select(e => e.Ms).Order()], observedTimes);
        for (int i = 0; i < dues.Length; i++)
        {
            Assert.Equal(expected.Where(e => e.Timer == i), observed.Where(o => o.Timer == i));
        }

        Assert.Equal(ReferenceOrder(dues, scripts), observed);
    }

    [Fact]
    public void Re_arming_and_firing_allocate_nothing_after_warm_up()
    {
        // Input: 10 timers with a cached callback; each cycle arms every timer twice (the first arming goes stale)
        // and moves the clock past them all; 100,000 cycles after 1,000 of warm-up.
        // Expected: 0 bytes allocated on this thread, and every timer fired once per cycle.
        var clock = new VirtualClock();
        var counter = new Counter();
        var timers = new ITimer[10];
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = clock.CreateTimer(s_count, counter, s_infinite, s_infinite);
        }

        RunCycles(clock, timers, 1_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunCycles(clock, timers, 100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0L, allocated);
        Assert.Equal(101_000 * timers.Length, counter.Count);
        foreach (ITimer timer in timers)
        {
            timer.Dispose();
        }
    }

    private static void RunCycles(VirtualClock clock, ITimer[] timers, int cycles)
    {
        TimeSpan step = TimeSpan.FromMilliseconds(10);
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            for (int i = 0; i < timers.Length; i++)
            {
                timers[i].Change(TimeSpan.FromMilliseconds(5), s_infinite);
                timers[i].Change(TimeSpan.FromTicks(1 + (((i * 7) + cycle) % 50)), s_infinite);
            }

            clock.Advance(step);
        }
    }

    // A naive model of the schedule: repeatedly fire the earliest (due, arming order) event.
    private static List<(int Timer, long Ms)> ReferenceOrder(byte[] dues, Script[] scripts)
    {
        var pending = new List<(long Due, long Sequence, int Timer, int NextDelay)>();
        long sequence = 0;
        for (int i = 0; i < dues.Length; i++)
        {
            pending.Add((dues[i], sequence++, i, 0));
        }

        var order = new List<(int Timer, long Ms)>();
        while (pending.Count > 0)
        {
            int best = 0;
            for (int k = 1; k < pending.Count; k++)
            {
                if ((pending[k].Due, pending[k].Sequence).CompareTo((pending[best].Due, pending[best].Sequence)) < 0)
                {
                    best = k;
                }
            }

            (long due, _, int timer, int nextDelay) = pending[best];
            pending.RemoveAt(best);
            order.Add((timer, due));
            if (nextDelay < scripts[timer].Delays.Length)
            {
                pending.Add((due + scripts[timer].Delays[nextDelay], sequence++, timer, nextDelay + 1));
            }
        }

        return order;
    }

    private sealed class Counter
    {
        public int Count { get; set; }
    }

    private sealed class AtomicCounter
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }

    private sealed class Script(int index, byte[] delays, VirtualClock clock, List<(int Timer, long Ms)> observed)
    {
        public static readonly TimerCallback Callback = static state => ((Script)state!).Fire();

        private int _next;

        public byte[] Delays { get; } = delays;

        public ITimer? Timer { get; set; }

        private void Fire()
        {
            observed.Add((index, (long)clock.Elapsed.TotalMilliseconds));
            if (_next < Delays.Length)
            {
                Timer!.Change(TimeSpan.FromMilliseconds(Delays[_next++]), s_infinite);
            }
        }
    }
}
