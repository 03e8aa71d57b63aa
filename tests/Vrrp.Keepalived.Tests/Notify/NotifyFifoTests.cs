using Vrrp.Keepalived.Notify;
using Vrrp.Notifications;
using Vrrp.Protocol;
using Vrrp.Testing;

namespace Vrrp.Keepalived.Tests.Notify;

/// <summary>keepalived's notify FIFO, on a real FIFO.</summary>
public sealed class NotifyFifoTests : IDisposable
{
    private readonly ProcessFixtures _files = new();

    public void Dispose() => _files.Dispose();

    private static async Task<string[]> ReadLinesAsync(StreamReader reader, int count)
    {
        string[] lines = new string[count];
        for (int i = 0; i < count; i++)
        {
            lines[i] = await reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? "<end>";
        }

        return lines;
    }

    private static StreamReader OpenReader(string fifo) => new(new FileStream(fifo, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0));

    [Fact]
    public async Task Lines_are_keepalived_notify_lines_in_the_order_of_the_changes()
    {
        // Input: r1 (100) and r2 (90) start, then r1 crashes. Expected: exactly these four lines, in order.
        string fifo = await _files.FifoAsync("notify.fifo", TestContext.Current.CancellationToken);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddNotifyFifo(fifo);
        dispatcher.Attach(sim["r1"].Router);
        dispatcher.Attach(sim["r2"].Router);

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim.Crash("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));

        using StreamReader reader = OpenReader(fifo);
        Assert.Equal(
            ["INSTANCE \"r1\" BACKUP 100", "INSTANCE \"r2\" BACKUP 90", "INSTANCE \"r1\" MASTER 100", "INSTANCE \"r2\" MASTER 90"],
            await ReadLinesAsync(reader, 4));
    }

    [Fact]
    public async Task A_reader_that_goes_away_and_comes_back_gets_the_lines_written_meanwhile()
    {
        // Input: a reader reads the first line and closes; r1 becomes master and stops; a new reader opens.
        // Expected: the new reader gets MASTER then STOP.
        string fifo = await _files.FifoAsync("notify.fifo", TestContext.Current.CancellationToken);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddNotifyFifo(fifo);
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        using (StreamReader first = OpenReader(fifo))
        {
            Assert.Equal(["INSTANCE \"r1\" BACKUP 100"], await ReadLinesAsync(first, 1));
        }

        sim.RunFor(TimeSpan.FromSeconds(5));
        sim.Stop("r1");

        using StreamReader second = OpenReader(fifo);
        Assert.Equal(["INSTANCE \"r1\" MASTER 100", "INSTANCE \"r1\" STOP 100"], await ReadLinesAsync(second, 2));
    }

    [Fact]
    public async Task Without_a_reader_the_router_is_never_blocked_and_lines_past_the_buffers_are_dropped_and_counted()
    {
        // Input: no reader; 20,000 changes (about 600 KB of lines, past the kernel's 64 KiB and the pipe's 64 KiB).
        // Expected: every call returns; some lines are dropped and counted; a reader that comes later gets the first line first.
        string fifo = await _files.FifoAsync("notify.fifo", TestContext.Current.CancellationToken);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddNotifyFifo(fifo);
        VirtualRouter router = sim["r1"].Router;

        for (int i = 0; i < 20_000; i++)
        {
            dispatcher.OnStateChanged(router, new StateChange(VrrpState.Backup, VrrpState.Master, StateChangeReason.NoResponse, (byte)(i % 200), default, sim.Time.GetUtcNow()));
        }

        Assert.True(keepalived.FifoLinesDropped > 0);
        using StreamReader reader = OpenReader(fifo);
        Assert.Equal(["INSTANCE \"r1\" MASTER 0", "INSTANCE \"r1\" MASTER 1"], await ReadLinesAsync(reader, 2));
    }

    [Fact]
    public async Task Reloads_that_remake_the_writer_of_a_fifo_nobody_reads_leave_no_writer_thread_behind_and_a_late_reader_gets_the_lines()
    {
        // Input: five reloads, each making a new writer for the same FIFO (opened before the old one is let go, as vrrpd
        //        does), each writing about 100 KB with no reader (past the kernel's 64 KiB); then a reader comes.
        // Expected: every writer let go has stopped its thread; the reader gets the lines the kernel kept, then the live writer's from its first.
        string fifo = await _files.FifoAsync("notify.fifo", TestContext.Current.CancellationToken);
        var released = new List<NotifyFifoWriter>();
        NotifyFifoWriter? current = null;
        for (int reload = 0; reload < 5; reload++)
        {
            var next = new NotifyFifoWriter(fifo, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            for (int i = 0; i < 4_000; i++)
            {
                next.Write($"INSTANCE \"r{reload}\" MASTER {i % 200}\n"); // about 100 KB
            }

            current?.Dispose();
            if (current is not null)
            {
                released.Add(current);
            }

            current = next;
        }

        long waitUntil = Environment.TickCount64 + 5_000; // without the fix they never stop: bounded wait, then count
        while (released.Exists(w => w.IsPumping) && Environment.TickCount64 < waitUntil)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Equal(0, released.Count(w => w.IsPumping));

        // The kernel's buffer holds the first writer's lines; the live writer's own, kept in memory meanwhile, follow.
        using StreamReader reader = OpenReader(fifo);
        Task<(int Read, string? Line)> drain = Task.Run(async () =>
        {
            string? line;
            int read = 0;
            while ((line = await reader.ReadLineAsync(CancellationToken.None)) is not null && !line.StartsWith("INSTANCE \"r4\"", StringComparison.Ordinal))
            {
                read++;
            }

            return (read, line);
        });
        (int read, string? line) = await drain.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal("INSTANCE \"r4\" MASTER 0", line);
        Assert.True(read > 1_000, $"{read} lines before the live writer's");
        current!.Dispose();
        Assert.False(current.IsPumping);
    }

    [Fact]
    public async Task A_relative_missing_or_regular_file_fifo_is_rejected_at_configuration_time()
    {
        // Input: a relative path, a path in a folder that does not exist, a regular file. Expected: messages naming the
        // fix; the file untouched.
        await using var dispatcher = new VrrpNotificationDispatcher();
        using var keepalived = new KeepalivedNotifications(dispatcher);

        Assert.Contains("relative path", Assert.Throws<VrrpConfigurationException>(() => keepalived.AddNotifyFifo("notify.fifo")).Message, StringComparison.Ordinal);
        Assert.Contains("cannot be made", Assert.Throws<VrrpConfigurationException>(() => keepalived.AddNotifyFifo(_files.PathOf("no-such-folder/none"))).Message, StringComparison.Ordinal);
        string regular = _files.PathOf("regular");
        await File.WriteAllTextAsync(regular, "keep me", TestContext.Current.CancellationToken);
        Assert.Contains("not a FIFO", Assert.Throws<VrrpConfigurationException>(() => keepalived.AddNotifyFifo(regular)).Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(regular, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_missing_fifo_is_made_read_by_the_notify_fifo_script_and_removed_with_the_script_stopped_on_dispose()
    {
        // Input: notify_fifo at a path where nothing is, and notify_fifo_script, a script that writes its arguments and
        // then every line it reads from the FIFO to a file. r1 goes Backup then Master; then everything is disposed.
        // Before: a missing FIFO was refused, and notify_fifo_script was read, warned "not run" and never started.
        // Expected (keepalived's behaviour): the FIFO is made; the script gets its path as its last argument and reads
        // the two lines; on dispose the FIFO is removed and the script is gone.
        string fifo = _files.PathOf("made.fifo");
        string output = _files.PathOf("read.txt");
        string script = _files.Script("reader.sh", $"echo \"args: $*\" >> '{output}'\nwhile read -r line; do echo \"$line\" >> '{output}'; done < \"$1\"");
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddNotifyFifo(fifo, script);
        int pid = keepalived.NotifyFifoScriptProcessId!.Value;
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);
        for (int i = 0; i < 200 && (!File.Exists(output) || File.ReadAllLines(output).Length < 3); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal([$"args: {fifo}", "INSTANCE \"r1\" BACKUP 100", "INSTANCE \"r1\" MASTER 100"], await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken));
        await dispatcher.DisposeAsync();
        keepalived.Dispose();

        Assert.False(File.Exists(fifo), "the FIFO vrrpd made is removed");
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), "the script is stopped");
    }

    [Fact]
    public async Task A_symlink_to_a_fifo_or_to_a_file_is_refused_and_never_written_through()
    {
        // Input: notify_fifo names a symbolic link: to a real FIFO, and to a regular file.
        // Expected: both refused at configuration time (the FIFO is opened O_NOFOLLOW and must be a FIFO); the file untouched.
        await using var dispatcher = new VrrpNotificationDispatcher();
        using var keepalived = new KeepalivedNotifications(dispatcher);
        string fifo = await _files.FifoAsync("real.fifo", TestContext.Current.CancellationToken);
        string toFifo = _files.PathOf("link-to-fifo");
        File.CreateSymbolicLink(toFifo, fifo);
        string victim = _files.PathOf("victim");
        await File.WriteAllTextAsync(victim, "keep me", TestContext.Current.CancellationToken);
        string toFile = _files.PathOf("link-to-file");
        File.CreateSymbolicLink(toFile, victim);

        Assert.Contains("symbolic link", Assert.Throws<VrrpConfigurationException>(() => keepalived.AddNotifyFifo(toFifo)).Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", Assert.Throws<VrrpConfigurationException>(() => keepalived.AddNotifyFifo(toFile)).Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(victim, TestContext.Current.CancellationToken));
    }
}
