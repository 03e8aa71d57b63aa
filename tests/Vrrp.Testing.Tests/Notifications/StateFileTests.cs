using Vrrp.Notifications;

namespace Vrrp.Testing.Tests.Notifications;

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
        dispatcher.AddStateFile(path);
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
    public async Task A_relative_state_file_is_rejected()
    {
        // Input: a relative path. Expected: a configuration error saying so.
        await using var dispatcher = new VrrpNotificationDispatcher();
        Assert.Contains("relative path", Assert.Throws<VrrpConfigurationException>(() => dispatcher.AddStateFile("vrrp.state")).Message, StringComparison.Ordinal);
    }
}
