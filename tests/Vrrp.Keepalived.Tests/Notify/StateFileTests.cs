using Vrrp.Keepalived.Notify;
using Vrrp.Notifications;
using Vrrp.Testing;

namespace Vrrp.Keepalived.Tests.Notify;

/// <summary>The state file for monitoring: every router's and group's current state, rewritten atomically.</summary>
public sealed class StateFileTests : IDisposable
{
    private readonly ProcessFixtures _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task The_state_file_holds_the_current_state_of_every_router_and_sync_group()
    {
        // Input: r1 (100) and r2 (90), VRIDs 51 and 52 in a sync group per node; run, then r1 stops gracefully.
        // Expected: one keepalived line per router and group, sorted; after the stop r1's lines say STOP and r2's MASTER; no temporary file left.
        string path = _files.PathOf("vrrp.state");
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().WithVirtualRouterIds(51, 52).WithSyncGroupPerNode().AddNodes(100, 90).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddStateFile(path);
        foreach (SimulatedNode node in sim.Nodes)
        {
            dispatcher.Attach(node.SyncGroup!);
            foreach (VirtualRouter router in node.Routers)
            {
                dispatcher.Attach(router);
            }
        }

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(
            [
                "GROUP \"r1\" MASTER 0", "GROUP \"r2\" BACKUP 0",
                "INSTANCE \"r1/51\" MASTER 100", "INSTANCE \"r1/52\" MASTER 100",
                "INSTANCE \"r2/51\" BACKUP 90", "INSTANCE \"r2/52\" BACKUP 90",
            ],
            await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken));

        sim.Stop("r1");
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(
            [
                "GROUP \"r1\" STOP 0", "GROUP \"r2\" MASTER 0",
                "INSTANCE \"r1/51\" STOP 100", "INSTANCE \"r1/52\" STOP 100",
                "INSTANCE \"r2/51\" MASTER 90", "INSTANCE \"r2/52\" MASTER 90",
            ],
            await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal([path], Directory.GetFiles(_files.Directory));
    }

    [Fact]
    public async Task After_a_reload_makes_a_new_dispatcher_the_routers_kept_running_stay_in_the_state_file()
    {
        // Input: r1/51, r1/52 in a sync group, master under a first dispatcher; a reload makes a second dispatcher on the same file,
        // attaches the same (unchanged) routers and group, lets the first go; then r1/52 alone stops.
        // Expected: after the stop the file still lists the group and r1/51 as MASTER beside r1/52's STOP.
        string path = _files.PathOf("vrrp.state");
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().WithVirtualRouterIds(51, 52).WithSyncGroupPerNode().AddNodes(100).Build();
        SimulatedNode node = sim["r1"];
        var first = new VrrpNotificationDispatcher(sim.Time);
        var firstKeepalived = new KeepalivedNotifications(first);
        firstKeepalived.AddStateFile(path);
        var attachments = new List<IDisposable> { first.Attach(node.SyncGroup!) };
        attachments.AddRange(node.Routers.Select(first.Attach));
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        await first.FlushAsync(TestContext.Current.CancellationToken);

        await using var second = new VrrpNotificationDispatcher(sim.Time);
        using var secondKeepalived = new KeepalivedNotifications(second);
        secondKeepalived.AddStateFile(path);
        second.Attach(node.SyncGroup!);
        foreach (VirtualRouter router in node.Routers)
        {
            second.Attach(router);
        }

        attachments.ForEach(a => a.Dispose());
        await first.DisposeAsync();
        Assert.Equal(["GROUP \"r1\" MASTER 0", "INSTANCE \"r1/51\" MASTER 100", "INSTANCE \"r1/52\" MASTER 100"], await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken));

        node.Routers[1].Stop();
        sim.RunFor(TimeSpan.FromSeconds(1));
        await second.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(
            ["GROUP \"r1\" MASTER 0", "INSTANCE \"r1/51\" MASTER 100", "INSTANCE \"r1/52\" STOP 100"],
            await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_relative_state_file_is_rejected()
    {
        // Input: a relative path. Expected: a configuration error saying so.
        await using var dispatcher = new VrrpNotificationDispatcher();
        using var keepalived = new KeepalivedNotifications(dispatcher);
        Assert.Contains("relative path", Assert.Throws<VrrpConfigurationException>(() => keepalived.AddStateFile("vrrp.state")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_planted_symlink_beside_the_state_file_never_makes_vrrpd_write_through_it()
    {
        // Input: someone planted PATH.tmp as a symbolic link to a file of theirs (as root would then overwrite
        // /etc/shadow, say), then a router changes state.
        // Expected: the state file is written; the link's target is untouched (the temporary name is random and opened
        // O_EXCL, which never follows a link).
        string path = _files.PathOf("vrrp.state");
        string victim = _files.PathOf("victim");
        await File.WriteAllTextAsync(victim, "precious\n", TestContext.Current.CancellationToken);
        File.CreateSymbolicLink(path + ".tmp", victim);
        using VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100).Build();
        await using var dispatcher = new VrrpNotificationDispatcher(sim.Time);
        using var keepalived = new KeepalivedNotifications(dispatcher);
        keepalived.AddStateFile(path);
        dispatcher.Attach(sim["r1"].Router);

        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(5));
        await dispatcher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["INSTANCE \"r1\" MASTER 100"], await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal("precious\n", await File.ReadAllTextAsync(victim, TestContext.Current.CancellationToken));
        Assert.DoesNotContain(Directory.GetFiles(_files.Directory, "vrrp.state.*.tmp"), f => f != path + ".tmp"); // no temporary left behind
    }
}
