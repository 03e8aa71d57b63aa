namespace Vrrp.Testing.Tests;

/// <summary>What the leader-election tests share: routers without virtual addresses, and how long to let them settle.</summary>
internal static class ElectionSimulation
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    public static VrrpSimulation Build(params int[] priorities) =>
        VrrpSimulation.CreateBuilder().AddNodes(priorities).ConfigureRouters(o => o.VirtualAddresses.Clear()).Build();
}
