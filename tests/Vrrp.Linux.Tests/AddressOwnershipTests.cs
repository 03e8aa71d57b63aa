namespace Vrrp.Linux.Tests;

/// <summary>
/// vrrpd touches only addresses it added (marked with its IFA_PROTO value) or that an earlier run of it left: an
/// administrator's address equal to a virtual address is neither removed at start, nor on leaving Master, nor on stop.
/// </summary>
public sealed class AddressOwnershipTests
{
    [Fact]
    public void A_primary_address_configured_by_hand_as_a_virtual_address_keeps_itself_and_its_secondaries()
    {
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        string primary = NetnsLab.HostAddress(0);
        const string Secondary = "198.51.100.61";
        lab.Exec("n1", $"ip addr add {Secondary}/24 dev lab0");

        // Before: the start-up clean-up deleted the primary, and the kernel deleted its secondary with it.
        LabProcess n1 = Daemon.Start(lab, "n1", 100, addresses: $"\"{primary}/24\"");
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        Assert.True(n1.WaitFor("configured outside Vrrp", TimeSpan.FromSeconds(2)) is not null, n1.Output);
        Assert.True(lab.HasAddress("n1", primary), lab.Exec("n1", "ip addr show dev lab0"));
        Assert.True(lab.HasAddress("n1", Secondary), lab.Exec("n1", "ip addr show dev lab0"));
        Assert.Equal("1", lab.Exec("n1", "sysctl -n net.ipv4.conf.lab0.promote_secondaries").Trim());

        // A master that stops removes its addresses: only those it added.
        n1.Signal("TERM");
        Assert.True(n1.WaitForExit(TimeSpan.FromSeconds(10)), n1.Output);
        Assert.True(lab.HasAddress("n1", primary), lab.Exec("n1", "ip addr show dev lab0"));
        Assert.True(lab.HasAddress("n1", Secondary), lab.Exec("n1", "ip addr show dev lab0"));
        Assert.Equal("0", lab.Exec("n1", "sysctl -n net.ipv4.conf.lab0.promote_secondaries").Trim()); // put back
    }

    [Fact]
    public void A_restarted_daemon_removes_what_its_crashed_run_left_and_not_an_address_configured_by_hand()
    {
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1", "n2");
        const string ByHand = "198.51.100.101";
        const string Addresses = $"\"{Daemon.VirtualAddress}/24\", \"{ByHand}/24\"";
        lab.Exec("n1", $"ip addr add {ByHand}/24 dev lab0");
        LabProcess n1 = Daemon.Start(lab, "n1", 100, addresses: Addresses);
        LabProcess n2 = Daemon.Start(lab, "n2", 90, addresses: Addresses);
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        Assert.True(lab.HasAddress("n1", Daemon.VirtualAddress));

        n1.Kill(); // a crash cleans nothing
        Assert.True(n2.WaitFor("Backup -> Master", TimeSpan.FromSeconds(3)) is not null, n2.Output);
        Assert.True(lab.HasAddress("n1", Daemon.VirtualAddress), "a crash leaves its address behind");

        // Restarted below n2's priority, it stays backup: at start it removes what it left, and only that. (This
        // machine's iproute2 6.1 cannot show an address's proto; the two addresses differ only by the mark.)
        LabProcess again = Daemon.Start(lab, "n1", 50, addresses: Addresses);
        Assert.False(lab.HasAddress("n1", Daemon.VirtualAddress), lab.Exec("n1", "ip addr show dev lab0"));
        Assert.True(lab.HasAddress("n1", ByHand), lab.Exec("n1", "ip addr show dev lab0"));
        Assert.True(again.WaitFor("configured outside Vrrp", TimeSpan.FromSeconds(2)) is not null, again.Output);
        Assert.True(lab.HasAddress("n1", NetnsLab.HostAddress(0)));
    }
}
