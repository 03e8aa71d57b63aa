using System.Globalization;

namespace Vrrp.Linux.Tests;

/// <summary>
/// An idle vrrpd sleeps: its receive and netlink threads block until a packet comes or the daemon stops (they used to
/// wake five times a second to look at a disposal flag), and SIGTERM still stops every one of them at once.
/// </summary>
public sealed class DaemonIdleTests(ITestOutputHelper output)
{
    [Fact]
    public void An_idle_master_s_receive_threads_never_wake_and_sigterm_stops_the_daemon_at_once()
    {
        // Input: one master at a 1 s interval alone on its link (nothing to receive), watched for 2 s, then SIGTERM.
        // Expected: no voluntary context switch on any receive or netlink thread; "stopped" within a second.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        LabProcess n1 = Daemon.Start(lab, "n1", 100, intervalMs: 1000);
        Assert.True(n1.WaitFor("-> Master", TimeSpan.FromSeconds(10)) is not null, n1.Output);

        Dictionary<string, long> before = Switches(n1.Id);
        Thread.Sleep(2000); // the window watched: wall time is what is measured here
        Dictionary<string, long> after = Switches(n1.Id);
        string[] watched = ["vrrp-rx-", "vrrp-arp-", "vrrp-na-", "vrrp-address-", "vrrp-link-"];
        var woken = after.Where(t => watched.Any(w => t.Key.Contains(w, StringComparison.Ordinal)))
            .Select(t => (t.Key, Wakeups: t.Value - before.GetValueOrDefault(t.Key))).ToList();
        foreach ((string thread, long wakeups) in woken)
        {
            output.WriteLine($"{thread}: {wakeups} wakeups in 2 s");
        }

        Assert.True(woken.Count >= 4, "expected the receive and netlink threads: " + string.Join(", ", after.Keys));
        Assert.All(woken, t => Assert.Equal(0, t.Wakeups));

        DateTimeOffset term = DateTimeOffset.UtcNow;
        n1.Signal("TERM");
        DateTimeOffset? stopped = n1.WaitFor("stopped", TimeSpan.FromSeconds(5), term);
        Assert.True(stopped is not null, n1.Output);
        output.WriteLine($"SIGTERM to stopped: {(stopped.Value - term).TotalMilliseconds:F0} ms");
        Assert.InRange(stopped.Value - term, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.True(n1.WaitForExit(TimeSpan.FromSeconds(5)), n1.Output);
    }

    // Voluntary context switches per thread, keyed by "name/tid".
    private static Dictionary<string, long> Switches(int pid)
    {
        var result = new Dictionary<string, long>();
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                string line = File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal));
                result[$"{name}/{Path.GetFileName(task)}"] = long.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // the thread exited meanwhile
            }
        }

        return result;
    }
}
