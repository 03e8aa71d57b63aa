namespace Vrrp.Linux.Tests;

/// <summary>keepalived's unicast_src_ip on real sockets: adverts leave from a secondary address the peer lists.</summary>
public sealed class SourceAddressLabTests
{
    [Fact]
    public void Unicast_adverts_leave_from_the_configured_secondary_address_and_the_peer_that_lists_it_stays_backup()
    {
        // Input: n1 (100) holds 198.51.100.61 beside its own address and sends unicast to n2 from .61; n2 (90) lists
        // only .61 as its peer. Expected: n1 master, n2 backup with .61 as its master, one master on the wire.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1", "n2");
        const string Source = "198.51.100.61";
        lab.Exec("n1", $"ip addr add {Source}/24 dev lab0");
        LabProcess n1 = Daemon.Start(lab, "n1", 100, extra: $$""", "sourceAddress": "{{Source}}", "unicastPeers": ["{{NetnsLab.HostAddress(1)}}"] """);
        LabProcess n2 = Daemon.Start(lab, "n2", 90, extra: $$""", "unicastPeers": ["{{Source}}"] """);
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        DateTimeOffset settled = DateTimeOffset.UtcNow;
        Thread.Sleep(1500); // several intervals: a backup that did not hear the master would take over within 365 ms

        Assert.True(n2.WaitFor("-> Master", TimeSpan.Zero) is null, "n2 heard n1 from its configured source: " + n2.Output);
        string status = Daemon.Control(lab, "n2", "status");
        Assert.Contains(Source, status, StringComparison.Ordinal);
        Assert.True(lab.HasAddress("n1", Daemon.VirtualAddress));
        Assert.False(lab.HasAddress("n2", Daemon.VirtualAddress), $"settled at {settled:HH:mm:ss.fff}: {n2.Output}");
    }

    [Fact]
    public void Ipv6_unicast_peers_hear_each_other_from_their_global_source_addresses()
    {
        // Input: n1 (100) and n2 (90), IPv6, unicast to each other's global address, each sending from its own global
        // address (keepalived's unicast_src_ip). Before: the raw socket was bound to the link-local address, so adverts
        // sent to the global address found no socket (the kernel answered ICMPv6 parameter problem) and the IPv6 source
        // was refused: both became master. Expected: n1 master, n2 backup and staying so.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1", "n2");
        string a1 = NetnsLab.HostAddress6(0), a2 = NetnsLab.HostAddress6(1);
        const string Addresses = "\"2001:db8:51::100/64\"";
        LabProcess n1 = Daemon.Start(lab, "n1", 100, addresses: Addresses, extra: $$""", "sourceAddress": "{{a1}}", "unicastPeers": ["{{a2}}"] """);
        LabProcess n2 = Daemon.Start(lab, "n2", 90, addresses: Addresses, extra: $$""", "sourceAddress": "{{a2}}", "unicastPeers": ["{{a1}}"] """);
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        Assert.True(n2.WaitFor("Initialize -> Backup", TimeSpan.FromSeconds(5)) is not null, n2.Output);
        Thread.Sleep(1500); // several intervals: a backup that did not hear the master would take over within 365 ms

        Assert.True(n2.WaitFor("-> Master", TimeSpan.Zero) is null, "n2 heard n1: " + n2.Output);
        Assert.Contains(a1, Daemon.Control(lab, "n2", "status"), StringComparison.Ordinal);
    }
}
