using Microsoft.Extensions.Time.Testing;
using Vrrp.Health;

namespace Vrrp.Tests.Health;

/// <summary>keepalived's vrrp_script semantics on a fake clock: interval, timeout, rise, fall, weight, init_fail.</summary>
public sealed class ScheduledHealthCheckTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();

    private ScheduledHealthCheck Schedule(ScriptedCheck check, int rise = 1, int fall = 1, int weight = 0, bool initFail = false, TimeSpan? timeout = null) =>
        new(new ScheduledCheckOptions { Name = "chk", Interval = Second, Timeout = timeout, Rise = rise, Fall = fall, Weight = weight, InitFail = initFail }, check, _time);

    [Fact]
    public async Task Runs_once_at_start_then_once_per_interval()
    {
        var check = new ScriptedCheck();
        await using ScheduledHealthCheck scheduled = Schedule(check);
        Assert.Equal(0, check.Started);

        scheduled.Start();
        _time.Advance(TimeSpan.Zero);
        Assert.Equal(1, check.Started);

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, check.Started);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, check.Started);
        _time.Advance(3 * Second);
        Assert.Equal(5, check.Started);
        Assert.Equal(5, scheduled.RunCount);
    }

    [Fact]
    public async Task Without_init_fail_the_check_starts_healthy_and_its_first_failure_decides_at_once_despite_fall()
    {
        var check = new ScriptedCheck().Then(false);
        await using ScheduledHealthCheck scheduled = Schedule(check, rise: 3, fall: 3);
        Assert.True(scheduled.Tracked.IsHealthy);
        Assert.False(scheduled.Tracked.CausesFault);

        scheduled.Start();
        _time.Advance(TimeSpan.Zero);

        Assert.False(scheduled.IsHealthy);
        Assert.True(scheduled.Tracked.CausesFault); // weight 0
    }

    [Fact]
    public async Task Without_init_fail_a_first_success_confirms_and_later_failures_need_fall()
    {
        var check = new ScriptedCheck().Then(true).Then(false, 2).Then(true).Then(false, 3);
        await using ScheduledHealthCheck scheduled = Schedule(check, rise: 3, fall: 3);
        scheduled.Start();
        _time.Advance(TimeSpan.Zero);           // success: confirmed healthy
        _time.Advance(2 * Second);              // two failures: still healthy
        Assert.True(scheduled.IsHealthy);
        Assert.Equal(2, scheduled.ConsecutiveFailures);

        _time.Advance(Second);                  // a success resets the count
        Assert.Equal(0, scheduled.ConsecutiveFailures);
        _time.Advance(2 * Second);
        Assert.True(scheduled.IsHealthy);
        _time.Advance(Second);                  // third consecutive failure
        Assert.False(scheduled.IsHealthy);
        Assert.False(scheduled.Tracked.IsHealthy);
        Assert.Equal(5, scheduled.FailureCount);
    }

    [Fact]
    public async Task Init_fail_starts_failing_and_needs_rise_consecutive_successes()
    {
        var check = new ScriptedCheck().Then(true, 2).Then(false).Then(true, 3);
        await using ScheduledHealthCheck scheduled = Schedule(check, rise: 3, fall: 2, initFail: true);
        Assert.False(scheduled.Tracked.IsHealthy);
        Assert.True(scheduled.Tracked.CausesFault);

        scheduled.Start();
        _time.Advance(TimeSpan.Zero);
        _time.Advance(Second);
        Assert.False(scheduled.IsHealthy);      // two successes of three
        _time.Advance(Second);                  // a failure resets the rise count
        Assert.Equal(0, scheduled.ConsecutiveSuccesses);
        _time.Advance(2 * Second);
        Assert.False(scheduled.IsHealthy);
        _time.Advance(Second);                  // the third consecutive success
        Assert.True(scheduled.IsHealthy);
        Assert.False(scheduled.Tracked.CausesFault);
    }

    [Theory]
    [InlineData(10, true, 10)]
    [InlineData(10, false, 0)]
    [InlineData(-20, true, 0)]
    [InlineData(-20, false, -20)]
    [InlineData(0, true, 0)]
    [InlineData(0, false, 0)]
    public async Task Weight_moves_the_priority_as_keepalived_does(int weight, bool healthy, int expectedDelta)
    {
        var check = new ScriptedCheck().Then(healthy);
        await using ScheduledHealthCheck scheduled = Schedule(check, weight: weight);
        scheduled.Start();
        _time.Advance(TimeSpan.Zero);

        Assert.Equal(expectedDelta, scheduled.Tracked.PriorityDelta);
        Assert.Equal(weight == 0 && !healthy, scheduled.Tracked.CausesFault);
    }

    [Fact]
    public async Task A_run_past_its_timeout_counts_as_a_failure_at_the_timeout_and_is_cancelled()
    {
        var check = new ScriptedCheck().Then(true).ThenHang();
        await using ScheduledHealthCheck scheduled = Schedule(check, weight: -30, timeout: TimeSpan.FromMilliseconds(400));
        scheduled.Start();
        _time.Advance(Second);                  // healthy, then the second run hangs
        Assert.Equal(2, check.Started);
        Assert.True(scheduled.IsHealthy);

        _time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.True(scheduled.IsHealthy);
        Assert.Equal(0, check.Cancelled);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(scheduled.IsHealthy);
        Assert.Equal(-30, scheduled.Tracked.PriorityDelta);
        Assert.Equal(1, scheduled.TimeoutCount);
        Assert.Equal(1, check.Cancelled);
        await scheduled.CurrentRun.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, scheduled.RunCount); // the cancelled run's own end is not counted again
    }

    [Fact]
    public async Task Only_one_run_at_a_time_and_a_hung_check_keeps_failing_each_interval_past_its_timeout()
    {
        var check = new ScriptedCheck().ThenHang(honourCancellation: false);
        await using ScheduledHealthCheck scheduled = Schedule(check, fall: 3, initFail: false, timeout: TimeSpan.FromMilliseconds(2500));
        scheduled.Start();
        _time.Advance(TimeSpan.Zero);
        _time.Advance(2 * Second);              // intervals at 1 s and 2 s find the run in progress, within its timeout
        Assert.Equal(1, check.Started);
        Assert.Equal(0, scheduled.RunCount);

        _time.Advance(TimeSpan.FromMilliseconds(500)); // 2.5 s: timeout, first failure, which decides (unconfirmed)
        Assert.Equal(1, scheduled.TimeoutCount);
        Assert.False(scheduled.IsHealthy);
        _time.Advance(2 * Second);              // 3 s and 4 s: still hung, one failure each
        Assert.Equal(1, check.Started);
        Assert.Equal(3, scheduled.ConsecutiveFailures);

        check.Pending!.SetResult(VrrpCheckResult.Healthy); // the late result is not counted
        await scheduled.CurrentRun.WaitAsync(TestContext.Current.CancellationToken);
        Assert.False(scheduled.IsHealthy);
        _time.Advance(Second);                  // 5 s: a new run, healthy
        Assert.Equal(2, check.Started);
        Assert.True(scheduled.IsHealthy);
    }

    [Fact]
    public async Task A_check_that_throws_counts_as_a_failure_and_is_counted()
    {
        var check = new ScriptedCheck().Then(true).ThenThrow(new InvalidOperationException("boom")).ThenThrowAsync(new IOException("late boom")).Then(true, 2);
        await using ScheduledHealthCheck scheduled = Schedule(check, rise: 2, fall: 2, weight: -10);
        scheduled.Start();
        _time.Advance(TimeSpan.Zero);
        _time.Advance(Second);
        Assert.Equal(1, scheduled.ExceptionCount);
        Assert.True(scheduled.IsHealthy);       // one failure of two
        Assert.Contains("boom", scheduled.LastResult.Description, StringComparison.Ordinal);

        _time.Advance(Second);
        await scheduled.CurrentRun.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, scheduled.ExceptionCount);
        Assert.False(scheduled.IsHealthy);
        Assert.Equal(-10, scheduled.Tracked.PriorityDelta);

        _time.Advance(2 * Second);
        Assert.True(scheduled.IsHealthy);
        Assert.Equal(0, scheduled.Tracked.PriorityDelta);
    }

    [Fact]
    public async Task A_listener_that_throws_does_not_stop_the_schedule()
    {
        var check = new ScriptedCheck().Then(false).Then(true);
        await using ScheduledHealthCheck scheduled = Schedule(check);
        scheduled.Tracked.Changed += (_, _) => throw new InvalidOperationException("listener");
        scheduled.Start();
        _time.Advance(Second);

        Assert.Equal(2, check.Started);
        Assert.True(scheduled.IsHealthy);
    }

    [Fact]
    public async Task Value_results_go_to_SetValue_times_the_weight_without_rise_or_fall()
    {
        var check = new ScriptedCheck().ThenValue(3).ThenValue(-60).ThenValue(0);
        await using ScheduledHealthCheck scheduled = Schedule(check, rise: 5, fall: 5, weight: 5);
        scheduled.Start();
        _time.Advance(TimeSpan.Zero);
        Assert.Equal(15, scheduled.Tracked.PriorityDelta);
        Assert.Equal(3, scheduled.Tracked.Value);

        _time.Advance(Second);                  // −60 × 5 = −300, below −253: Fault
        Assert.True(scheduled.Tracked.CausesFault);
        _time.Advance(Second);
        Assert.False(scheduled.Tracked.CausesFault);
        Assert.Equal(0, scheduled.Tracked.PriorityDelta);
    }

    [Fact]
    public async Task CreateTracked_feeds_another_weight_from_the_same_results()
    {
        var check = new ScriptedCheck().Then(false);
        await using ScheduledHealthCheck scheduled = Schedule(check, weight: -10);
        TrackedCheck other = scheduled.CreateTracked(0);
        scheduled.Start();
        _time.Advance(TimeSpan.Zero);

        Assert.Equal(-10, scheduled.Tracked.PriorityDelta);
        Assert.False(scheduled.Tracked.CausesFault);
        Assert.True(other.CausesFault);
    }

    [Fact]
    public async Task Dispose_cancels_a_run_in_progress_and_stops_the_schedule()
    {
        var check = new ScriptedCheck().ThenHang();
        ScheduledHealthCheck scheduled = Schedule(check, timeout: TimeSpan.FromSeconds(5));
        scheduled.Start();
        _time.Advance(TimeSpan.Zero);

        await scheduled.DisposeAsync();
        Assert.Equal(1, check.Cancelled);
        _time.Advance(10 * Second);
        Assert.Equal(1, check.Started);
        Assert.Equal(0, scheduled.RunCount);
        Assert.Throws<ObjectDisposedException>(scheduled.Start);
    }

    [Fact]
    public async Task Dispose_leaves_behind_a_check_that_ignores_its_cancellation_once_its_timeout_passes()
    {
        var check = new ScriptedCheck().ThenHang(honourCancellation: false);
        ScheduledHealthCheck scheduled = Schedule(check, timeout: TimeSpan.FromSeconds(5));
        scheduled.Start();
        _time.Advance(TimeSpan.FromSeconds(2));

        Task disposing = scheduled.DisposeAsync().AsTask();
        Assert.Equal(1, check.Cancelled);
        Assert.False(disposing.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(3));
        await disposing.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, scheduled.TimeoutCount);
    }

    [Fact]
    public void Invalid_options_fail_with_the_field_and_its_range()
    {
        var options = new ScheduledCheckOptions { Name = "chk", Interval = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(-1), Rise = 0, Fall = 0, Weight = 254 };
        var error = Assert.Throws<VrrpConfigurationException>(() => new ScheduledHealthCheck(options, new ScriptedCheck(), _time));

        Assert.Equal(
            [
                "health check 'chk': Interval must be more than 0 and at most 86400 s; got 0 s.",
                "health check 'chk': Timeout must be more than 0 and at most 86400 s (or unset for Interval); got -1 s.",
                "health check 'chk': Rise must be 1 to 1000000; got 0.",
                "health check 'chk': Fall must be 1 to 1000000; got 0.",
                "health check 'chk': Weight must be -253 to 253; got 254.",
            ],
            error.Errors);
        Assert.Equal(["health check: Name must not be empty."], new ScheduledCheckOptions().Validate());
        Assert.Empty(new ScheduledCheckOptions { Name = "chk", Weight = -253 }.Validate());
    }

    [Fact]
    public void Timeout_defaults_to_the_interval_as_keepalived()
    {
        var options = new ScheduledCheckOptions { Name = "chk", Interval = TimeSpan.FromSeconds(3) };
        Assert.Equal(TimeSpan.FromSeconds(3), options.EffectiveTimeout);
        options.Timeout = TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.FromSeconds(1), options.EffectiveTimeout);
    }
}
