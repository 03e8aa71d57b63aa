namespace Vrrp.Election.Etcd.Tests;

/// <summary>Bad options fail at construction with the field and its allowed range.</summary>
public sealed class EtcdLeaderElectionOptionsTests
{
    [Fact]
    public void Defaults_are_valid_once_the_endpoints_are_set()
    {
        var options = new EtcdLeaderElectionOptions { Endpoints = "http://127.0.0.1:2379" };
        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromSeconds(10) / 3, options.EffectiveKeepAliveInterval);
    }

    [Theory]
    [InlineData(null, 10, 2000, 0, "Endpoints is required")]
    [InlineData("http://127.0.0.1:2379", 1, 200, 0, "LeaseTtl must be whole seconds, 2 s to 3600 s; got 1 s.")]
    [InlineData("http://127.0.0.1:2379", 2.5, 200, 0, "LeaseTtl must be whole seconds, 2 s to 3600 s; got 2.5 s.")]
    [InlineData("http://127.0.0.1:2379", 10, 0, 0, "SafetyMargin must be more than 0")]
    [InlineData("http://127.0.0.1:2379", 10, 5000, 0, "at most LeaseTtl (10 s); got 5000 ms.")]
    [InlineData("http://127.0.0.1:2379", 10, 2000, 5000, "with two keep-alive intervals (5000 ms each)")]
    public void Each_bad_value_is_named_with_its_range(string? endpoints, double ttlSeconds, int marginMs, int keepAliveMs, string expected)
    {
        var options = new EtcdLeaderElectionOptions
        {
            Endpoints = endpoints,
            LeaseTtl = TimeSpan.FromSeconds(ttlSeconds),
            SafetyMargin = TimeSpan.FromMilliseconds(marginMs),
            KeepAliveInterval = TimeSpan.FromMilliseconds(keepAliveMs),
        };
        ArgumentException error = Assert.Throws<ArgumentException>(() => new EtcdLeaderElection("orders", options));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Leader election 'orders' on etcd: ", error.Message, StringComparison.Ordinal);
    }
}
