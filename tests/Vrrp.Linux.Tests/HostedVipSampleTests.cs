namespace Vrrp.Linux.Tests;

/// <summary>samples/Vrrp.HostedVip run as the README runs it, in a lab namespace, from another directory than its own.</summary>
public sealed class HostedVipSampleTests
{
    [Fact]
    public void The_sample_reads_its_own_appsettings_from_any_directory_holds_the_address_and_gives_it_back_on_sigterm()
    {
        // Input: the sample started from / with the README's two overrides (lab0, priority 90).
        // Expected: it becomes master of 198.51.100.100 (from its appsettings.json), logs the transition through the
        // host's logging, and removes the address on SIGTERM. Before: appsettings.json was read from the working
        // directory, only the two overrides arrived, and the start failed with "VirtualRouterId must be 1 to 255; got 0".
        // With --Metrics:Console=true the Vrrp meter reaches the console through OpenTelemetry's exporter.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        LabProcess sample = lab.StartIn("/", "n1", "dotnet", Path.Combine(AppContext.BaseDirectory, "Vrrp.HostedVip.dll"),
            "--Vrrp:Routers:0:Interface=lab0", "--Vrrp:Routers:0:Priority=90", "--Metrics:Console=true");
        Assert.True(sample.WaitFor("VI_51: Backup -> Master", TimeSpan.FromSeconds(20)) is not null, sample.Output);
        Assert.True(sample.WaitFor("vrrp.router.state", TimeSpan.FromSeconds(10)) is not null, sample.Output); // exported through OpenTelemetry
        Assert.True(lab.HasAddress("n1", "198.51.100.100"), sample.Output);

        sample.Signal("TERM");
        Assert.True(sample.WaitForExit(TimeSpan.FromSeconds(10)), sample.Output);
        Assert.False(lab.HasAddress("n1", "198.51.100.100"));
    }
}
