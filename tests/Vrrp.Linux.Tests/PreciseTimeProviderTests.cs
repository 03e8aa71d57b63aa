using Vrrp.Linux.Timing;

namespace Vrrp.Linux.Tests;

/// <summary>Behaviour of the precise timers (their lateness is measured by the benchmark harness, not asserted here).</summary>
public sealed class PreciseTimeProviderTests
{
    [Theory]
    [InlineData(0.1, 1)]
    [InlineData(0.999, 1)]
    [InlineData(1.0, 1)]
    [InlineData(2.5, 3)]
    [InlineData(999.2, 1000)]
    [InlineData(60_000, 1000)]
    public void The_event_wait_rounds_up_to_whole_milliseconds_so_the_timer_thread_never_spins(double milliseconds, int expected)
    {
        // Input: the time left before the spin window. Expected: a wait of at least 1 ms, rounded up, at most 1 s.
        // Rounded down, a fraction of a millisecond became a zero wait and the thread spun until the window opened.
        long ticks = (long)Math.Ceiling(milliseconds * System.Diagnostics.Stopwatch.Frequency / 1000);

        Assert.Equal(expected, PreciseTimeProvider.WaitMilliseconds(ticks));
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
