using Microsoft.Extensions.Time.Testing;

namespace Vrrp.Election.Etcd.Tests;

/// <summary>The deadline a term keeps, by this node's monotonic clock: inside the lease whatever the network delayed.</summary>
public sealed class LeaseDeadlineTests
{
    [Fact]
    public void The_deadline_is_the_TTL_less_the_margin_counted_from_when_the_keep_alive_left()
    {
        // Input: TTL 10 s, margin 2 s; a keep-alive sent at t0 whose answer comes back 3 s later.
        // Expected: alive until t0 + 8 s, not t0 + 3 s + 8 s: etcd refreshed the lease at some point after t0, so only
        // t0 + 10 s is certain, and the margin comes off that.
        var time = new FakeTimeProvider();
        var deadline = new LeaseDeadline(time, TimeSpan.FromSeconds(2));
        Assert.False(deadline.IsAlive());
        long sentAt = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(3));
        deadline.Confirmed(sentAt, TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.True(deadline.IsAlive());
        Assert.Equal(TimeSpan.FromTicks(1), deadline.Remaining());
        time.Advance(TimeSpan.FromTicks(1));
        Assert.False(deadline.IsAlive());
    }

    [Fact]
    public void An_answer_to_an_older_keep_alive_never_moves_the_deadline_back()
    {
        var time = new FakeTimeProvider();
        var deadline = new LeaseDeadline(time, TimeSpan.FromSeconds(1));
        long older = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(2));
        long newer = time.GetTimestamp();
        deadline.Confirmed(newer, TimeSpan.FromSeconds(5));
        long until = deadline.AliveUntil;
        deadline.Confirmed(older, TimeSpan.FromSeconds(5)); // answered out of order
        Assert.Equal(until, deadline.AliveUntil);
        deadline.Confirmed(newer, TimeSpan.FromSeconds(2)); // a shorter TTL granted later cannot shorten what was shown
        Assert.Equal(until, deadline.AliveUntil);
    }
}
