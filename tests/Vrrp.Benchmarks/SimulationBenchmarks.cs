using BenchmarkDotNet.Attributes;
using Vrrp.Testing;

namespace Vrrp.Benchmarks;

/// <summary>
/// Simulated throughput of Vrrp.Testing: how many router-hours of protocol time one real second runs. Each operation
/// advances a running cluster of <see cref="Routers"/> routers (two nodes with Routers / 2 VRIDs each, 1 s interval,
/// on one segment) by one simulated minute; routers × minutes ÷ 60 ÷ seconds per operation is router-hours per real second.
/// </summary>
[MemoryDiagnoser]
public class SimulationBenchmarks
{
    private VrrpSimulation? _simulation;

    /// <summary>Gets or sets the number of routers: two nodes, each with one router per VRID.</summary>
    [Params(2, 20, 200)]
    public int Routers { get; set; }

    /// <summary>Builds and warms up the cluster: two nodes with one router per VRID each.</summary>
    [GlobalSetup]
    public void Setup()
    {
        byte[] vrids = Enumerable.Range(1, Routers / 2).Select(i => (byte)i).ToArray();
        _simulation = VrrpSimulation.CreateBuilder().WithVirtualRouterIds(vrids).AddNodes(100, 90).Build();
        _simulation.Start();
        _simulation.RunFor(TimeSpan.FromMinutes(1));
        foreach (byte vrid in vrids)
        {
            if (_simulation.MastersOf(vrid).Count != 1)
            {
                throw new InvalidOperationException($"VRID {vrid} did not elect one master.");
            }
        }
    }

    /// <summary>Releases the cluster.</summary>
    [GlobalCleanup]
    public void Cleanup() => _simulation?.Dispose();

    /// <summary>One simulated minute of the whole cluster.</summary>
    [Benchmark]
    public void OneSimulatedMinute() => _simulation!.Clock.Advance(TimeSpan.FromMinutes(1));
}
