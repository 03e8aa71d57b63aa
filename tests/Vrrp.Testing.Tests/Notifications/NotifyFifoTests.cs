using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests.Notifications;

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
        dispatcher.AddNotifyFifo(fifo);
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
        dispatcher.AddNotifyFifo(fifo);
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
        dispatcher.AddNotifyFifo(fifo);
        VirtualRouter router = sim["r1"].Router;

        for (int i = 0; i < 20_000; i++)
        {
            dispatcher.OnStateChanged(router, new StateChange(VrrpState.Backup, VrrpState.Master, StateChangeReason.NoResponse, (byte)(i % 200), default, sim.Time.GetUtcNow()));
        }

        Assert.True(dispatcher.FifoLinesDropped > 0);
        using StreamReader reader = OpenReader(fifo);
        Assert.Equal(["INSTANCE \"r1\" MASTER 0", "INSTANCE \"r1\" MASTER 1"], await ReadLinesAsync(reader, 2));
    }

    [Fact]
    public async Task A_relative_missing_or_regular_file_fifo_is_rejected_at_configuration_time()
    {
        // Input: a relative path, a full path that does not exist, a regular file. Expected: messages naming the fix; the file untouched.
        await using var dispatcher = new VrrpNotificationDispatcher();

        Assert.Contains("relative path", Assert.Throws<VrrpConfigurationException>(() => dispatcher.AddNotifyFifo("notify.fifo")).Message, StringComparison.Ordinal);
        Assert.Contains("create it with mkfifo", Assert.Throws<VrrpConfigurationException>(() => dispatcher.AddNotifyFifo(_files.PathOf("none"))).Message, StringComparison.Ordinal);
        string regular = _files.PathOf("regular");
        await File.WriteAllTextAsync(regular, "keep me", TestContext.Current.CancellationToken);
        Assert.Contains("not a FIFO", Assert.Throws<VrrpConfigurationException>(() => dispatcher.AddNotifyFifo(regular)).Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(regular, TestContext.Current.CancellationToken));
    }
}
