using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Vrrp.Election.Etcd.Tests;

/// <summary>AddLeaderElection(name).UseEtcd(...) in a generic host: keyed elections, campaigning with the host, refusing bad options at start.</summary>
public sealed class EtcdHostingTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_named_etcd_elections_in_one_host_campaign_with_it_and_hand_over_when_it_stops()
    {
        // Input: hosts 1 and 2, each with elections "orders" and "billing" on one etcd; host 1 starts first, then 2;
        // host 1 stops.
        // Expected: host 1 leads both, by key; host 2 leads both once host 1 stopped (its leases revoked, so at once).
        await using EtcdCluster etcd = await Etcd.StartAsync(1);
        using IHost host1 = Build(etcd, "one");
        using IHost host2 = Build(etcd, "two");
        await host1.StartAsync(Cancel);
        ILeaderElection orders1 = host1.Services.GetRequiredKeyedService<ILeaderElection>("orders");
        ILeaderElection billing1 = host1.Services.GetRequiredKeyedService<ILeaderElection>("billing");
        Assert.NotSame(orders1, billing1);
        await orders1.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        await billing1.WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        await host2.StartAsync(Cancel);
        Assert.Contains("2 leader elections (orders, billing)", Assert.Throws<InvalidOperationException>(() => host2.Services.GetRequiredService<ILeaderElection>()).Message, StringComparison.Ordinal);

        await host1.StopAsync(Cancel);
        Assert.False(orders1.IsLeader);
        await host2.Services.GetRequiredKeyedService<ILeaderElection>("orders").WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        await host2.Services.GetRequiredKeyedService<ILeaderElection>("billing").WaitForLeadershipAsync(Cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        EtcdLeader? leader = await host2.Services.GetRequiredKeyedService<EtcdLeaderElection>("orders").GetLeaderAsync(Cancel);
        Assert.Equal("two", leader!.Candidate);
        await host2.StopAsync(Cancel);
    }

    [Fact]
    public async Task Bad_options_fail_the_hosts_start_naming_the_field_and_its_range()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLeaderElection("orders").UseEtcd(o =>
        {
            o.Endpoints = "http://127.0.0.1:1";
            o.LeaseTtl = TimeSpan.FromSeconds(1);
        });
        using IHost host = builder.Build();
        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync(Cancel));
        Assert.Contains("Leader election 'orders' on etcd: LeaseTtl must be whole seconds, 2 s to 3600 s; got 1 s.", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(EtcdCluster etcd, string candidate)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        foreach (string name in new[] { "orders", "billing" })
        {
            builder.Services.AddLeaderElection(name).UseEtcd(o =>
            {
                o.Endpoints = etcd.Endpoints;
                o.Candidate = candidate;
                o.LeaseTtl = TimeSpan.FromSeconds(10);
            });
        }

        return builder.Build();
    }
}
