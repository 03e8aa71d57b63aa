using Vrrp.Health;

namespace Vrrp.Tests.Health;

/// <summary>keepalived's track_interface: up means UP and RUNNING (carrier); a missing interface is down.</summary>
public sealed class InterfaceLinkHealthCheckTests : IDisposable
{
    private readonly string _sys = Directory.CreateTempSubdirectory("vrrp-sysnet-").FullName;

    public void Dispose() => Directory.Delete(_sys, recursive: true);

    [Theory]
    [InlineData("0x1003", "1", true, "eth9 is up")]
    [InlineData("0x9", "1", true, "eth9 is up")]
    [InlineData("0x1003", "0", false, "eth9 has no carrier")]
    [InlineData("0x1003", null, false, "eth9 has no carrier")]
    [InlineData("0x1002", null, false, "eth9 is administratively down")]
    public async Task Up_needs_the_UP_flag_and_a_carrier(string flags, string? carrier, bool healthy, string description)
    {
        Directory.CreateDirectory(Path.Combine(_sys, "eth9"));
        await File.WriteAllTextAsync(Path.Combine(_sys, "eth9", "flags"), flags + "\n", TestContext.Current.CancellationToken);
        if (carrier is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(_sys, "eth9", "carrier"), carrier + "\n", TestContext.Current.CancellationToken);
        }

        VrrpCheckResult result = await new InterfaceLinkHealthCheck("eth9", _sys).CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal(healthy, result.IsHealthy);
        Assert.Equal(description, result.Description);
    }

    [Fact]
    public async Task A_missing_interface_is_down()
    {
        VrrpCheckResult result = await new InterfaceLinkHealthCheck("nosuch0", _sys).CheckAsync(TestContext.Current.CancellationToken);
        Assert.False(result.IsHealthy);
        Assert.Equal("no interface nosuch0", result.Description);
    }

    [Fact]
    public async Task On_this_host_loopback_is_up_and_a_made_up_name_is_not()
    {
        Assert.True((await new InterfaceLinkHealthCheck("lo").CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
        Assert.False((await new InterfaceLinkHealthCheck("vrrpnone0").CheckAsync(TestContext.Current.CancellationToken)).IsHealthy);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("..")]
    public void A_path_is_not_an_interface_name(string name) => Assert.Throws<ArgumentException>(() => new InterfaceLinkHealthCheck(name));
}
