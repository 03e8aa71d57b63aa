using System.Net.Sockets;
using System.Diagnostics;

[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]

namespace Vrrp.Linux.Tests;

/// <summary>
/// Two of our daemons on a bridge, each in its own namespace, with a client that pings the virtual address.
/// Failover times are printed for the record; the assertions hold the RFC's bounds with room for a loaded machine.
/// </summary>
public sealed class DaemonFailoverTests(ITestOutputHelper output)
{
    private static (NetnsLab Lab, LabProcess N1, LabProcess N2) Cluster()
    {
        NetnsLab.RequireRoot("ping");
        NetnsLab lab = NetnsLab.Create("n1", "n2", "c");
        try
        {
            LabProcess n1 = Daemon.Start(lab, "n1", 100);
            LabProcess n2 = Daemon.Start(lab, "n2", 90);
            Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
            Thread.Sleep(500); // settle: any start-up race between the two resolves within an interval
            Assert.True(lab.Ping("c", Daemon.VirtualAddress), "the client should reach the virtual address before the fault");
            return (lab, n1, n2);
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    [Fact]
    public void The_higher_priority_daemon_holds_the_address_and_the_client_reaches_it()
    {
        (NetnsLab lab, _, _) = Cluster();
        using (lab)
        {
            Assert.True(lab.HasAddress("n1", Daemon.VirtualAddress));
            Assert.False(lab.HasAddress("n2", Daemon.VirtualAddress));
            Assert.True(lab.Ping("c", Daemon.VirtualAddress));
            Assert.Equal("02:00:00:00:00:0b", lab.Neighbor("c", Daemon.VirtualAddress));
        }
    }

    [Fact]
    public void Sigterm_on_the_master_sends_priority_0_and_the_backup_takes_over_within_skew_time()
    {
        (NetnsLab lab, LabProcess n1, LabProcess n2) = Cluster();
        using (lab)
        {
            DateTimeOffset fault = DateTimeOffset.UtcNow;
            n1.Signal("TERM");
            DateTimeOffset? takeover = n2.WaitFor("Backup -> Master (MasterReleased", TimeSpan.FromSeconds(3), fault);
            Assert.True(takeover is not null, n2.Output);
            Assert.True(n1.WaitForExit(TimeSpan.FromSeconds(5)), "vrrpd should exit on SIGTERM: " + n1.Output);
            Assert.False(lab.HasAddress("n1", Daemon.VirtualAddress), "a gracefully stopped master removes its address");
            Assert.True(NetnsLab.WaitUntil(() => lab.HasAddress("n2", Daemon.VirtualAddress)), "the new master holds the address");
            Assert.True(NetnsLab.WaitUntil(() => lab.Neighbor("c", Daemon.VirtualAddress) == "02:00:00:00:00:0c"), $"neighbour: {lab.Neighbor("c", Daemon.VirtualAddress)}");
            Assert.True(lab.Ping("c", Daemon.VirtualAddress), "the client reaches the new master");

            // Skew_Time(90) at 100 ms = 64.8 ms; allow for process and scheduling delays on a loaded 2-core machine.
            TimeSpan took = takeover.Value - fault;
            output.WriteLine($"SIGTERM: fault to takeover {took.TotalMilliseconds:F1} ms (RFC Skew_Time(90) = 64.8 ms)");
            Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromMilliseconds(1000));
        }
    }

    [Fact]
    public void Sigkill_on_the_master_and_the_backup_takes_over_after_master_down_interval_and_clients_follow_its_mac()
    {
        (NetnsLab lab, LabProcess n1, LabProcess n2) = Cluster();
        using (lab)
        {
            DateTimeOffset fault = DateTimeOffset.UtcNow;
            n1.Signal("KILL");
            DateTimeOffset? takeover = n2.WaitFor("Backup -> Master (NoResponse", TimeSpan.FromSeconds(3), fault);
            Assert.True(takeover is not null, n2.Output);

            // The killed process left its address behind (a crash cleans nothing); the client follows the gratuitous ARP.
            Assert.True(NetnsLab.WaitUntil(() => lab.Neighbor("c", Daemon.VirtualAddress) == "02:00:00:00:00:0c"), $"neighbour: {lab.Neighbor("c", Daemon.VirtualAddress)}");
            DateTimeOffset reached = DateTimeOffset.UtcNow;
            Assert.True(lab.Ping("c", Daemon.VirtualAddress));
            output.WriteLine($"SIGKILL: fault to takeover {(takeover.Value - fault).TotalMilliseconds:F1} ms (RFC Master_Down_Interval(90) = 364.8 ms); client on new MAC after {(reached - fault).TotalMilliseconds:F0} ms");
            Assert.InRange(takeover.Value - fault, TimeSpan.Zero, TimeSpan.FromMilliseconds(1500));

            // A restarted daemon cleans its leftover address at start, then preempts.
            LabProcess again = Daemon.Start(lab, "n1", 100);
            Assert.True(again.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, again.Output);
            Assert.True(n2.WaitFor("Master -> Backup", TimeSpan.FromSeconds(5), reached) is not null, n2.Output);
            Assert.True(NetnsLab.WaitUntil(() => !lab.HasAddress("n2", Daemon.VirtualAddress)));
        }
    }

    [Fact]
    public void Link_down_puts_the_master_in_fault_and_the_backup_takes_over_and_link_up_brings_it_back()
    {
        (NetnsLab lab, LabProcess n1, LabProcess n2) = Cluster();
        using (lab)
        {
            DateTimeOffset fault = DateTimeOffset.UtcNow;
            lab.SetLink("n1", up: false);
            Assert.True(n1.WaitFor("Master -> Fault (InterfaceDown", TimeSpan.FromSeconds(3), fault) is not null, n1.Output);
            DateTimeOffset? takeover = n2.WaitFor("Backup -> Master", TimeSpan.FromSeconds(3), fault);
            Assert.True(takeover is not null, n2.Output);
            output.WriteLine($"link down: fault to takeover {(takeover.Value - fault).TotalMilliseconds:F1} ms (RFC Master_Down_Interval(90) = 364.8 ms)");
            Assert.False(lab.HasAddress("n1", Daemon.VirtualAddress), "a master in Fault removes its addresses");
            Assert.True(NetnsLab.WaitUntil(() => lab.Ping("c", Daemon.VirtualAddress)));

            DateTimeOffset repaired = DateTimeOffset.UtcNow;
            lab.SetLink("n1", up: true);
            Assert.True(n1.WaitFor("Fault -> Backup (InterfaceUp", TimeSpan.FromSeconds(3), repaired) is not null, n1.Output);
            Assert.True(n1.WaitFor("Backup -> Master", TimeSpan.FromSeconds(5), repaired) is not null, n1.Output);
            Assert.True(n2.WaitFor("Master -> Backup", TimeSpan.FromSeconds(5), repaired) is not null, n2.Output);
        }
    }

    [Fact]
    public void The_daemon_refuses_to_run_outside_a_lab_namespace()
    {
        NetnsLab.RequireRoot();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vrrpd.dll"));
        start.ArgumentList.Add("/nonexistent.json");
        start.ArgumentList.Add("--require-netns");
        using Process process = Process.Start(start)!;
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Equal(3, process.ExitCode);
    }

    [Fact]
    public void Three_daemons_keep_one_master_and_the_90_not_the_80_takes_over_from_a_killed_master()
    {
        NetnsLab.RequireRoot("ping");
        using NetnsLab lab = NetnsLab.Create("n1", "n2", "n3", "c");
        LabProcess n1 = Daemon.Start(lab, "n1", 100);
        LabProcess n2 = Daemon.Start(lab, "n2", 90);
        LabProcess n3 = Daemon.Start(lab, "n3", 80);
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        Thread.Sleep(1000);
        Assert.Equal(1, new[] { "n1", "n2", "n3" }.Count(h => lab.HasAddress(h, Daemon.VirtualAddress)));

        DateTimeOffset fault = DateTimeOffset.UtcNow;
        n1.Signal("KILL");
        Assert.True(n2.WaitFor("Backup -> Master", TimeSpan.FromSeconds(3), fault) is not null, n2.Output);
        Thread.Sleep(1000);
        Assert.True(n3.WaitFor("-> Master", TimeSpan.Zero, fault) is null, "the 80 must stay backup: " + n3.Output);
        Assert.True(lab.HasAddress("n2", Daemon.VirtualAddress));
        Assert.False(lab.HasAddress("n3", Daemon.VirtualAddress));
    }

    [Fact]
    public void Without_cap_net_raw_the_daemon_fails_at_start_naming_the_capability()
    {
        NetnsLab.RequireRoot("setpriv");
        using NetnsLab lab = NetnsLab.Create("n1");
        string config = Path.Combine(Path.GetTempPath(), $"vrrpd-{lab.Namespace("n1")}-nocap.json");
        File.WriteAllText(config, """{ "routers": [ { "name": "VI_51", "interface": "lab0", "virtualRouterId": 51, "virtualAddresses": ["198.51.100.100/24"] } ] }""");
        LabProcess process = lab.Start("n1", "setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw", "dotnet", Path.Combine(AppContext.BaseDirectory, "vrrpd.dll"), config, "--require-netns");
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Contains("CAP_NET_RAW", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Sighup_with_an_unchanged_file_reloads_without_a_failover_and_a_lowered_priority_is_taken_in_place()
    {
        (NetnsLab lab, LabProcess n1, LabProcess n2) = Cluster();
        using (lab)
        {
            DateTimeOffset reloadAt = DateTimeOffset.UtcNow;
            n1.Signal("HUP");
            Assert.True(n1.WaitFor("reloaded", TimeSpan.FromSeconds(5), reloadAt) is not null, n1.Output);
            Thread.Sleep(1000);
            Assert.True(n1.WaitFor("->", TimeSpan.Zero, reloadAt) is null, "an unchanged reload must not change state: " + n1.Output);
            Assert.True(n2.WaitFor("->", TimeSpan.Zero, reloadAt) is null, "the backup must not notice: " + n2.Output);

            // Lower n1's priority below n2's in its file: the router takes it in place (no restart), and n2 takes over.
            string config = Path.Combine(Path.GetTempPath(), $"vrrpd-{lab.Namespace("n1")}.json");
            File.WriteAllText(config, File.ReadAllText(config).Replace("\"priority\": 100", "\"priority\": 50", StringComparison.Ordinal));
            DateTimeOffset changedAt = DateTimeOffset.UtcNow;
            n1.Signal("HUP");
            Assert.True(n1.WaitFor("updated in place", TimeSpan.FromSeconds(5), changedAt) is not null, n1.Output);
            Assert.True(n2.WaitFor("Backup -> Master", TimeSpan.FromSeconds(5), changedAt) is not null, n2.Output);
            Assert.True(NetnsLab.WaitUntil(() => lab.HasAddress("n2", Daemon.VirtualAddress) && !lab.HasAddress("n1", Daemon.VirtualAddress)));
        }
    }

    [Fact]
    public void A_virtual_address_removed_from_outside_while_master_is_put_back()
    {
        (NetnsLab lab, LabProcess n1, _) = Cluster();
        using (lab)
        {
            DateTimeOffset removedAt = DateTimeOffset.UtcNow;
            lab.Exec("n1", $"ip addr del {Daemon.VirtualAddress}/24 dev lab0");
            Assert.True(n1.WaitFor("removed from outside while master: put back", TimeSpan.FromSeconds(3), removedAt) is not null, n1.Output);
            Assert.True(NetnsLab.WaitUntil(() => lab.HasAddress("n1", Daemon.VirtualAddress)));
            Assert.True(lab.Ping("c", Daemon.VirtualAddress));
        }
    }

    [Fact]
    public void Running_out_of_descriptors_delays_the_control_socket_but_neither_ends_it_nor_the_daemon()
    {
        // Input: a running vrrpd whose descriptor limit is lowered (prlimit) to what it holds plus two; 20 clients
        // connect to its control socket at once and hold on; then they go.
        // Expected: accepts fail with EMFILE meanwhile (counted, retried with a backoff); the daemon stays master and
        // alive; once the clients are gone vrrpctl status is answered again. (Before: one accept error ended the accept
        // loop for good.)
        NetnsLab.RequireRoot("prlimit");
        using NetnsLab lab = NetnsLab.Create("n1", "c");
        LabProcess n1 = Daemon.Start(lab, "n1", 100);
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(5)) is not null, n1.Output);
        int open = Directory.GetFileSystemEntries($"/proc/{n1.Id}/fd").Length;
        string soft = NetnsLab.Run("prlimit", $"--pid {n1.Id} --nofile --output SOFT --noheadings").Trim();
        NetnsLab.Run("prlimit", $"--pid {n1.Id} --nofile={open + 2}:"); // the soft limit only: it can be put back

        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                // Non-blocking: a blocking connect to a Unix socket whose backlog is full waits, rather than failing.
                var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
                clients.Add(client);
                try
                {
                    client.Connect(new UnixDomainSocketEndPoint(Daemon.ControlSocket(lab, "n1")));
                }
                catch (SocketException)
                {
                    // The backlog is full while the daemon cannot accept: that is the point.
                }
            }

            Thread.Sleep(1000); // real time for the daemon's accept loop to meet EMFILE (the OS, not protocol logic)
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        NetnsLab.Run("prlimit", $"--pid {n1.Id} --nofile={soft}:");
        Assert.False(n1.HasExited, n1.Output);
        string status = "";
        Assert.True(NetnsLab.WaitUntil(() =>
        {
            try
            {
                status = Daemon.Control(lab, "n1", "status");
                return status.Contains("Master", StringComparison.Ordinal);
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }), $"vrrpctl status after the clients left: {status}\n{n1.Output}");
        Assert.False(n1.HasExited, n1.Output);
    }

    [Fact]
    public void Vrrpctl_status_names_the_master_on_both_nodes_and_demote_hands_it_over()
    {
        (NetnsLab lab, _, LabProcess n2) = Cluster();
        using (lab)
        {
            string[] n1 = Daemon.Control(lab, "n1", "status").Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] backup = Daemon.Control(lab, "n2", "status").Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["VI_51", "lab0", "51", "Master", "100", NetnsLab.HostAddress(0), "100"], n1[..7]);
            Assert.Equal(["VI_51", "lab0", "51", "Backup", "90", NetnsLab.HostAddress(0), "100"], backup[..7]);

            DateTimeOffset demotedAt = DateTimeOffset.UtcNow;
            Assert.Equal("ok", Daemon.Control(lab, "n1", "demote VI_51").Trim());
            Assert.True(n2.WaitFor("Backup -> Master (MasterReleased", TimeSpan.FromSeconds(3), demotedAt) is not null, n2.Output);
            Assert.True(NetnsLab.WaitUntil(() => Daemon.Control(lab, "n1", "status").Contains($"Backup      1 {NetnsLab.HostAddress(1)}", StringComparison.Ordinal)), Daemon.Control(lab, "n1", "status"));
            Assert.True(NetnsLab.WaitUntil(() => lab.HasAddress("n2", Daemon.VirtualAddress) && !lab.HasAddress("n1", Daemon.VirtualAddress)));
        }
    }
}
