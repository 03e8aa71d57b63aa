using FsCheck;
using FsCheck.Xunit;
using Vrrp.Protocol;

namespace Vrrp.Tests.Protocol;

/// <summary>
/// The timer formulas. RFC 9568 §6.1: Skew_Time = ((256 − priority) × Active_Adver_Interval) / 256 and
/// Active_Down_Interval = (3 × Active_Adver_Interval) + Skew_Time. RFC 3768 §6.1: Skew_Time = (256 − Priority) / 256
/// seconds and Master_Down_Interval = (3 × Advertisement_Interval) + Skew_Time.
/// </summary>
public sealed class TimerMathTests
{
    [Fact]
    public void Priority_90_at_one_second_in_v3_has_a_master_down_interval_of_about_3_65_seconds()
    {
        // The seed's figure: 3 × 1 s + (256 − 90) × 1 s / 256 = 3 s + 166/256 s = 3.6484375 s, "about 3.65 s".
        TimeSpan down = TimerMath.MasterDownInterval(3, 90, 100);

        Assert.Equal(TimeSpan.FromTicks(36_484_375), down);
        Assert.Equal(3.65, down.TotalSeconds, 2);
    }

    [Fact]
    public void Priority_100_at_one_second_in_v3_has_a_skew_of_609_375_milliseconds()
    {
        // (256 − 100) × 1 s / 256 = 156/256 s = 0.609375 s, exactly 6,093,750 ticks.
        Assert.Equal(TimeSpan.FromTicks(6_093_750), TimerMath.SkewTime(3, 100, 100));
        Assert.Equal(609.375, TimerMath.SkewTime(3, 100, 100).TotalMilliseconds);
    }

    [Fact]
    public void Priority_100_at_one_second_in_v3_has_a_master_down_interval_of_3_609375_seconds()
    {
        Assert.Equal(TimeSpan.FromTicks(36_093_750), TimerMath.MasterDownInterval(3, 100, 100));
    }

    [Fact]
    public void At_a_10_ms_interval_every_priority_from_1_to_254_has_its_own_skew()
    {
        // Convention 9: the arithmetic is fine enough that 10 ms still separates every priority; a skew truncated to
        // whole centiseconds would make them all 0 to 9 ms and collide. One priority step is 10 ms / 256 = 39.0625 µs.
        var seen = new HashSet<TimeSpan>();
        TimeSpan previous = TimeSpan.MaxValue;
        for (int priority = 1; priority <= 254; priority++)
        {
            TimeSpan skew = TimerMath.SkewTime(3, priority, 1);
            Assert.True(seen.Add(skew), $"priority {priority} repeats the skew {skew}");
            Assert.True(skew < previous, $"priority {priority} does not wait less than priority {priority - 1}");
            previous = skew;
        }

        Assert.Equal(254, seen.Count);
    }

    [Fact]
    public void At_a_10_ms_interval_the_skew_is_exact_to_the_tick()
    {
        // (256 − 254) × 10 ms / 256 = 78.125 µs = 781.25 ticks, truncated to 781; (256 − 1) × 10 ms / 256 = 9.9609375 ms.
        Assert.Equal(TimeSpan.FromTicks(781), TimerMath.SkewTime(3, 254, 1));
        Assert.Equal(TimeSpan.FromTicks(99_609), TimerMath.SkewTime(3, 1, 1));
    }

    [Property(MaxTest = 500)]
    public void At_any_v3_interval_a_higher_priority_has_a_strictly_shorter_skew_and_down_interval(PositiveInt intervalSeed, byte a, byte b)
    {
        int interval = 1 + ((intervalSeed.Get - 1) % 4095); // the 12-bit Max Advertise Interval, 1 to 4095 cs
        int lower = 1 + (Math.Min(a, b) % 254);
        int higher = 1 + (Math.Max(a, b) % 254);
        if (lower >= higher)
        {
            return;
        }

        Assert.True(TimerMath.SkewTime(3, higher, interval) < TimerMath.SkewTime(3, lower, interval));
        Assert.True(TimerMath.MasterDownInterval(3, higher, interval) < TimerMath.MasterDownInterval(3, lower, interval));
    }

    [Theory]
    [InlineData(1, 2_550_000_000L)] // 255/256 s, truncated to the tick
    [InlineData(100, 1_560_000_000L)]
    [InlineData(254, 20_000_000L)]
    [InlineData(255, 10_000_000L)]
    public void V2_skew_is_256_minus_priority_over_256_seconds(int priority, long numerator)
    {
        // RFC 3768 §6.1: Skew_Time = ( (256 - Priority) / 256 ) seconds; numerator is (256 − p) × 10^7 ticks.
        TimeSpan expected = TimeSpan.FromTicks(numerator / 256);

        Assert.Equal(expected, TimerMath.SkewTime(2, priority, 100));
        Assert.Equal(expected, TimerMath.SkewTime(2, priority, 500)); // VRRPv2 ignores the interval in the skew
    }

    [Fact]
    public void V2_master_down_interval_is_three_intervals_plus_a_skew_that_does_not_scale()
    {
        // RFC 3768 §6.1: (3 × Advertisement_Interval) + Skew_Time. At 5 s and priority 100: 15 s + 0.609375 s.
        Assert.Equal(TimeSpan.FromTicks(156_093_750), TimerMath.MasterDownInterval(2, 100, 500));
    }

    [Fact]
    public void V3_skew_scales_with_the_interval_where_v2_does_not()
    {
        // At 5 s and priority 100: VRRPv3 skew 156 × 5 s / 256 = 3.046875 s; VRRPv2 stays 0.609375 s.
        Assert.Equal(TimeSpan.FromTicks(30_468_750), TimerMath.SkewTime(3, 100, 500));
        Assert.Equal(TimeSpan.FromTicks(6_093_750), TimerMath.SkewTime(2, 100, 500));
    }

    [Fact]
    public void Down_timer_adverts_replaces_the_three_of_the_formula()
    {
        // keepalived down_timer_adverts: 5 × 1 s + 0.609375 s.
        Assert.Equal(TimeSpan.FromTicks(56_093_750), TimerMath.MasterDownInterval(3, 100, 100, downTimerAdverts: 5));
    }

    [Fact]
    public void The_largest_v3_interval_at_the_lowest_priority_does_not_overflow()
    {
        // 4095 cs at priority 1: 3 × 40.95 s + 255 × 40.95 s / 256 = 122.85 s + 40.790039... s.
        TimeSpan down = TimerMath.MasterDownInterval(3, 1, 4095);

        Assert.Equal(TimeSpan.FromTicks(1_228_500_000 + (255L * 409_500_000 / 256)), down);
        Assert.True(down > TimeSpan.FromSeconds(163));
    }
}
