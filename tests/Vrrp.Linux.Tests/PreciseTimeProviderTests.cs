using Vrrp.Linux.Timing;

namespace Vrrp.Linux.Tests;

/// <summary>Behaviour of the precise timers (their lateness is measured by the benchmark harness, not asserted here).</summary>
public sealed class PreciseTimeProviderTests
{
    [Theory]
    [InlineData(-5, 0)]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(1_500_000, 1_500_000)]
    [InlineData(2_000_000_000, 2_000_000_000)]
    public void The_sleep_is_the_time_left_in_nanoseconds_never_less(long nanoseconds, long expected)
    {
        // Input: the time left before the due time. Expected: a sleep of at least that long (rounded up to whole
        // nanoseconds), so the thread never wakes early and goes round again for a remainder.
        long ticks = (long)Math.Ceiling(nanoseconds * (System.Diagnostics.Stopwatch.Frequency / 1e9));

        Assert.Equal(expected, PreciseTimeProvider.WaitNanoseconds(ticks));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(999_999_999L)]
    [InlineData(1_000_000_001L)]
    [InlineData(123_456_789_012_345L)]
    [InlineData(long.MaxValue / 1_000_000_000)]
    public void The_sleep_is_the_least_whole_nanoseconds_covering_the_ticks(long ticks)
    {
        // Input: a time left in timestamp ticks, whatever the clock's frequency. Expected: the least whole number of
        // nanoseconds at least as long, computed exactly (checked here in 128-bit arithmetic).
        long frequency = System.Diagnostics.Stopwatch.Frequency;
        long sleep = PreciseTimeProvider.WaitNanoseconds(ticks);

        Assert.True((Int128)sleep * frequency >= (Int128)ticks * 1_000_000_000, "woke before the due time");
        Assert.True((Int128)(sleep - 1) * frequency < (Int128)ticks * 1_000_000_000, "slept a nanosecond longer than needed");
    }

    [Fact]
    public void A_due_time_centuries_away_is_a_long_finite_sleep_not_an_overflow()
    {
        // Input: the largest time left. Expected: a positive sleep no longer than half the range of a long.
        long sleep = PreciseTimeProvider.WaitNanoseconds(long.MaxValue);

        Assert.InRange(sleep, 1, long.MaxValue / 2);
    }

    [Fact]
    public void An_earlier_timer_armed_from_another_thread_wakes_the_sleeping_thread()
    {
        // Input: a timer due in 60 s (the thread sleeps until then), then one due in 20 ms armed from this thread.
        // Expected: the second fires within a second; the first has not fired.
        using var time = new PreciseTimeProvider();
        int lateFired = 0;
        using var fired = new ManualResetEventSlim();
        using ITimer late = time.CreateTimer(_ => Interlocked.Increment(ref lateFired), null, TimeSpan.FromSeconds(60), Timeout.InfiniteTimeSpan);
        using ITimer early = time.CreateTimer(_ => fired.Set(), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);

        Assert.True(fired.Wait(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        Assert.Equal(0, Volatile.Read(ref lateFired));
    }

    [Fact]
    public void Dispose_stops_an_idle_timer_thread_at_once()
    {
        // Input: a provider with no timer armed (its thread sleeps with no timeout). Expected: Dispose returns well
        // within its 2 s join (it used to wake once a second to look; now Dispose wakes it).
        var time = new PreciseTimeProvider();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        time.Dispose();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Dispose took {watch.Elapsed}");
    }

    [Fact]
    public void Timers_fire_in_due_order_and_not_before_their_due_time()
    {
        using var time = new PreciseTimeProvider();
        var fired = new List<(int Id, long At)>();
        using var done = new CountdownEvent(3);
        long start = time.GetTimestamp();
        var timers = new[] { 30, 10, 20 }.Select((ms, i) => time.CreateTimer(_ =>
        {
            lock (fired)
            {
                fired.Add((ms, time.GetTimestamp()));
            }

            done.Signal();
        }, null, TimeSpan.FromMilliseconds(ms), Timeout.InfiniteTimeSpan)).ToList();

        Assert.True(done.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Equal([10, 20, 30], fired.Select(f => f.Id));
        Assert.All(fired, f => Assert.True(time.GetElapsedTime(start, f.At) >= TimeSpan.FromMilliseconds(f.Id)));
        timers.ForEach(t => t.Dispose());
    }

    [Fact]
    public void A_cancelled_timer_does_not_fire_and_a_rearmed_one_fires_once_at_its_new_time()
    {
        using var time = new PreciseTimeProvider();
        int cancelledFired = 0;
        int rearmedFired = 0;
        using var rearmedDone = new ManualResetEventSlim();
        using ITimer cancelled = time.CreateTimer(_ => Interlocked.Increment(ref cancelledFired), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);
        using ITimer rearmed = time.CreateTimer(_ =>
        {
            Interlocked.Increment(ref rearmedFired);
            rearmedDone.Set();
        }, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);

        cancelled.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        rearmed.Change(TimeSpan.FromMilliseconds(40), Timeout.InfiniteTimeSpan);
        Assert.True(rearmedDone.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Thread.Sleep(100);
        Assert.Equal(0, cancelledFired);
        Assert.Equal(1, rearmedFired);
    }

    [Fact]
    public void A_periodic_timer_keeps_firing_until_disposed()
    {
        using var time = new PreciseTimeProvider();
        int count = 0;
        using var five = new CountdownEvent(5);
        ITimer timer = time.CreateTimer(_ =>
        {
            Interlocked.Increment(ref count);
            if (!five.IsSet)
            {
                five.Signal();
            }
        }, null, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        Assert.True(five.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        timer.Dispose();
        int after = Volatile.Read(ref count);
        Thread.Sleep(50);
        Assert.InRange(Volatile.Read(ref count), after, after + 1);
    }
}
