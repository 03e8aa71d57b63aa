using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Vrrp.Keepalived.Notify;
using Vrrp.Notifications;
using Vrrp.Testing;

namespace Vrrp.Keepalived.Tests.Notify;

/// <summary>keepalived notify scripts, run as real processes.</summary>
public sealed class NotifyScriptTests : IDisposable
{
    private readonly ProcessFixtures _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Per_state_scripts_then_notify_run_in_order_with_keepalived_arguments()
    {
        // Input: r1 alone with notify, notify_master (with a quoted argument), notify_backup and notify_stop; it goes Backup, Master, then stops.
        // Expected: per change, the state's script then notify with INSTANCE NAME STATE PRIORITY, exactly these lines in this order.
        string output = _files.PathOf("out.txt");
        var scripts = new NotifyScripts
        {
            Notify = _files.Recorder("notify.sh", output),
            NotifyMaster = $"{_files.Recorder("master.sh", output)} \"two words\" x",
            NotifyBackup = _files.Recorder("backup.sh", output),
            NotifyStop = _files.Recorder("stop.sh", output),
            NotifyFault = _files.Recorder("fault.sh", output),
        };
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddNotifyScripts("r1", scripts);
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);
        sim.Stop("r1");
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(
            [
                "backup.sh|",
                "notify.sh|INSTANCE|r1|BACKUP|100|",
                "master.sh|two words|x|",
                "notify.sh|INSTANCE|r1|MASTER|100|",
                "stop.sh|",
                "notify.sh|INSTANCE|r1|STOP|100|",
            ],
            await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal(0, keepalived.ScriptFailures);
    }

    [Fact]
    public async Task Notify_master_rx_lower_pri_runs_without_arguments_once_per_interval_a_lower_priority_is_answered()
    {
        // Input: r1 alone, master, with notify_master_rx_lower_pri; a rogue sends ten adverts of priority 50 within one
        // advert interval, then another a second later. Before: the script was read, warned "not run" and never ran.
        // Expected: the script runs twice (the answers are once per interval), with no arguments.
        string output = _files.PathOf("out.txt");
        var scripts = new NotifyScripts { NotifyMasterRxLowerPriority = _files.Recorder("lower.sh", output) };
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        InMemoryHost rogue = sim.Network.AddHost("rogue");
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddNotifyScripts("r1", scripts);
        dispatcher.Attach(sim["r1"].Router);
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.True(sim["r1"].Router.IsMaster);

        byte[] lower = LowerPriorityAdvert(rogue.IPv4Address);
        for (int i = 0; i < 10; i++)
        {
            rogue.GetTransport(System.Net.Sockets.AddressFamily.InterNetwork).Send(lower, Vrrp.Packets.PackedIPAddress.Parse("224.0.0.18"));
            sim.RunFor(TimeSpan.FromMilliseconds(1));
        }

        await WaitForLinesAsync(output, 1);

        // An interval later, another. The first run may still be ending (its line is written before its process
        // exits), and a run that comes meanwhile is skipped by design: send again each interval until one runs.
        int attempts = 0;
        do
        {
            sim.RunFor(TimeSpan.FromSeconds(1));
            rogue.GetTransport(System.Net.Sockets.AddressFamily.InterNetwork).Send(lower, Vrrp.Packets.PackedIPAddress.Parse("224.0.0.18"));
            sim.RunFor(TimeSpan.FromMilliseconds(1));
        }
        while (!await WaitForLinesAsync(output, 2, TimeSpan.FromSeconds(2)) && ++attempts < 5);

        Assert.Equal(["lower.sh|", "lower.sh|"], await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal(10 - 1, sim["r1"].Router.Statistics.LowerPriorityAnswersWithheld);
    }

    // The script runs off the dispatcher's lanes (each run is its own): wait for its line rather than a flush.
    private static async Task<bool> WaitForLinesAsync(string path, int count, TimeSpan? timeout = null)
    {
        int polls = (int)((timeout ?? TimeSpan.FromSeconds(10)) / TimeSpan.FromMilliseconds(50));
        for (int i = 0; i < polls; i++)
        {
            if (File.Exists(path) && (await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken)).Length >= count)
            {
                return true;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return false;
    }

    private static byte[] LowerPriorityAdvert(Vrrp.Packets.PackedIPAddress source)
    {
        byte[] list = new byte[4];
        Vrrp.Packets.PackedIPAddress.Parse("198.51.100.100").WriteTo(list);
        var packet = new Vrrp.Packets.VrrpPacket(Vrrp.Packets.VrrpVersion.V3, 51, 50, 100, System.Net.Sockets.AddressFamily.InterNetwork, list);
        byte[] buffer = new byte[128];
        Assert.True(Vrrp.Packets.VrrpDatagram.TryWriteIPv4(buffer, packet, source, Vrrp.Packets.PackedIPAddress.Parse("224.0.0.18"), 1, Vrrp.Packets.VrrpChecksumForm.PseudoHeader, null, 1, out int length));
        return buffer[..length];
    }

    [Fact]
    public async Task A_script_that_hangs_is_killed_at_its_timeout_and_the_next_change_still_runs_its_script()
    {
        // Input: notify_backup records then sleeps for ten minutes; timeout 3 s on a real clock; r1 goes Backup then Master.
        // Expected: the sleeper is killed (one timeout, event 21 logged), never reaches its second line, and notify_master runs after it.
        string output = _files.PathOf("out.txt");
        string recorder = _files.Recorder("record.sh", output);
        var scripts = new NotifyScripts
        {
            NotifyBackup = _files.Script("hang.sh", $"'{recorder}' hang-start\nsleep 600\n'{recorder}' hang-end"),
            NotifyMaster = $"{recorder} master",
            Timeout = TimeSpan.FromSeconds(3), // long enough for a loaded machine to start the script and record its first line
        };
        var logger = new FakeLogger();
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(TimeProvider.System, logger);
        using var keepalived = new KeepalivedNotifications(dispatcher, logger);
        keepalived.AddNotifyScripts("r1", scripts);
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.True(sim["r1"].Router.IsMaster);
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["record.sh|hang-start|", "record.sh|master|"], await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal(1, keepalived.ScriptTimeouts);
        FakeLogRecord killed = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 21);
        Assert.Equal(scripts.NotifyBackup, killed.GetStructuredStateValue("Script"));
    }

    [Fact]
    public async Task Exit_codes_are_logged_and_a_failing_script_is_counted()
    {
        // Input: notify_backup exits 3, notify_master exits 0. Expected: event 20 twice, with codes 3 (warning) and 0 (information); one failure counted.
        var scripts = new NotifyScripts
        {
            NotifyBackup = _files.Script("fails.sh", "exit 3"),
            NotifyMaster = _files.Script("works.sh", "exit 0"),
        };
        var logger = new FakeLogger();
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time, logger);
        using var keepalived = new KeepalivedNotifications(dispatcher, logger);
        keepalived.AddNotifyScripts("r1", scripts);
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        FakeLogRecord[] exits = [.. logger.Collector.GetSnapshot().Where(r => r.Id.Id == 20)];
        Assert.Equal(["3", "0"], exits.Select(r => r.GetStructuredStateValue("ExitCode")));
        Assert.Equal([LogLevel.Warning, LogLevel.Information], exits.Select(r => r.Level));
        Assert.Equal(1, keepalived.ScriptFailures);
    }

    [Fact]
    public async Task A_relative_script_path_is_rejected_at_configuration_time_naming_the_keyword()
    {
        // Input: notify_master given as a relative path, notify as a missing full path.
        // Expected: VrrpConfigurationException naming notify_master as relative and notify as missing.
        await using var dispatcher = new VrrpNotificationDispatcher();
        using var keepalived = new KeepalivedNotifications(dispatcher);
        var scripts = new NotifyScripts { NotifyMaster = "scripts/master.sh arg", Notify = _files.PathOf("missing.sh") };

        VrrpConfigurationException error = Assert.Throws<VrrpConfigurationException>(() => keepalived.AddNotifyScripts("VI_1", scripts));
        Assert.Contains("VI_1: notify_master 'scripts/master.sh' is a relative path", error.Message, StringComparison.Ordinal);
        Assert.Contains("notify '" + _files.PathOf("missing.sh") + "' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_scripts_run_as_script_user()
    {
        // Input: as root, notify scripts with User "nobody" (keepalived's script_user); r1 becomes master.
        // Expected: notify_master ran as nobody, not as root.
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "switching user needs root (.ci/run runs as root)");
        Assert.SkipWhen(!File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser"), "needs runuser");
        File.SetUnixFileMode(_files.Directory, (UnixFileMode)0b111_101_101); // nobody may enter and run the script
        string output = _files.PathOf("who.txt");
        File.WriteAllText(output, "");
        File.SetUnixFileMode(output, (UnixFileMode)0b110_110_110);
        string master = _files.Script("master.sh", $"id -un >> '{output}'");
        File.SetUnixFileMode(master, (UnixFileMode)0b111_101_101);
        var scripts = new NotifyScripts { NotifyMaster = master, User = "nobody" };
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddNotifyScripts("r1", scripts);
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["nobody"], await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal(0, keepalived.ScriptFailures);
    }
}
