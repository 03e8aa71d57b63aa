using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Vrrp.Health;

namespace Vrrp.Tests.Health;

/// <summary>An IHealthCheck drives the priority: Healthy healthy, Unhealthy failing, Degraded as configured.</summary>
public sealed class HealthCheckAdapterTests
{
    [Theory]
    [InlineData(HealthStatus.Healthy, true, true)]
    [InlineData(HealthStatus.Healthy, false, true)]
    [InlineData(HealthStatus.Unhealthy, true, false)]
    [InlineData(HealthStatus.Unhealthy, false, false)]
    [InlineData(HealthStatus.Degraded, true, true)]
    [InlineData(HealthStatus.Degraded, false, false)]
    public async Task Maps_the_status(HealthStatus status, bool degradedIsHealthy, bool healthy)
    {
        var check = new FixedCheck(new HealthCheckResult(status, "said so"));
        var adapter = new HealthCheckAdapter("db", check) { DegradedIsHealthy = degradedIsHealthy };

        VrrpCheckResult result = await adapter.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(healthy, result.IsHealthy);
        Assert.Equal("said so", result.Description);
        Assert.Equal("db", check.SeenName);
    }

    [Fact]
    public async Task Scheduled_an_unhealthy_check_lowers_the_priority_by_the_weight()
    {
        var check = new FixedCheck(HealthCheckResult.Unhealthy("down"));
        var time = new FakeTimeProvider();
        await using var scheduled = new ScheduledHealthCheck(new ScheduledCheckOptions { Name = "db", Weight = -50 }, new HealthCheckAdapter("db", check), time);
        scheduled.Start();
        time.Advance(TimeSpan.Zero);
        Assert.Equal(-50, scheduled.Tracked.PriorityDelta);

        check.Result = HealthCheckResult.Healthy();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, scheduled.Tracked.PriorityDelta);
    }

    private sealed class FixedCheck(HealthCheckResult result) : IHealthCheck
    {
        public HealthCheckResult Result { get; set; } = result;

        public string? SeenName { get; private set; }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            SeenName = context.Registration.Name;
            return Task.FromResult(Result);
        }
    }
}
