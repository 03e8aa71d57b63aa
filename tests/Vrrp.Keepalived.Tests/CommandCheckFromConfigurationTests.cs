using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Vrrp.Testing;

namespace Vrrp.Keepalived.Tests;

/// <summary>Command checks from configuration, with AddCommandChecks(): a vrrp_script described in appsettings.</summary>
public sealed class CommandCheckFromConfigurationTests
{
    [Fact]
    public async Task A_command_check_from_configuration_runs_the_program_and_its_exit_code_moves_the_priority()
    {
        // Input: r1 (priority 100) with a Command check "/bin/sh -c 'exit 1'", weight -30, with AddCommandChecks().
        // Expected: the router tracks it and, once it has run, runs at 70. Without AddCommandChecks the type is refused.
        var clock = new VirtualClock();
        using var network = new InMemoryNetwork(clock);
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vrrp:Routers:0:Name"] = "r1",
            ["Vrrp:Routers:0:Interface"] = "node1",
            ["Vrrp:Routers:0:VirtualRouterId"] = "51",
            ["Vrrp:Routers:0:Priority"] = "100",
            ["Vrrp:Routers:0:Checks:0:Type"] = "Command",
            ["Vrrp:Routers:0:Checks:0:Target"] = "/bin/sh -c 'exit 1'",
            ["Vrrp:Routers:0:Checks:0:Weight"] = "-30",
        }).Build();
        var services = new ServiceCollection();
        services.AddVrrp(configuration.GetSection("Vrrp")).UseInMemoryNetwork(network).AddCommandChecks();
        await using ServiceProvider provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<VrrpService>();
        await service.StartAsync(TestContext.Current.CancellationToken);
        VirtualRouter router = service.GetRouter("r1");
        for (int i = 0; i < 500 && router.Priority != 70; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5, TestContext.Current.CancellationToken); // the program runs for real
        }

        Assert.Equal(70, router.Priority);
        await service.StopAsync(TestContext.Current.CancellationToken);

        var without = new ServiceCollection();
        without.AddVrrp(configuration.GetSection("Vrrp")).UseInMemoryNetwork(network);
        await using ServiceProvider plain = without.BuildServiceProvider();
        VrrpConfigurationException refused = await Assert.ThrowsAsync<VrrpConfigurationException>(() => plain.GetRequiredService<VrrpService>().StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Checks[0].Type must be one of Tcp, Http, Ping (Command needs AddCommandChecks() from Vrrp.Keepalived); got 'Command'.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_AddCommandChecks_with_another_user_is_refused_not_dropped()
    {
        // Before: the second call was ignored, and commands ran as the first call's user without a word.
        var services = new ServiceCollection();
        IVrrpBuilder vrrp = services.AddVrrp().AddCommandChecks("nobody");
        vrrp.AddCommandChecks("nobody"); // the same again: fine
        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => vrrp.AddCommandChecks("root"));
        Assert.Contains("called already with user 'nobody'", refused.Message, StringComparison.Ordinal);
    }
}
