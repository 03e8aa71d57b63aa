using System.Diagnostics;
using System.Globalization;
using Vrrp.Testing;

namespace Vrrp.Benchmarks;

/// <summary>
/// Runs 1,000 virtual routers (4 nodes × 250 VRIDs, masters spread over the nodes) for one simulated hour on a
/// <see cref="VirtualClock"/> and prints the real time, router-hours per real second, bytes allocated and GC
/// collections of the steady hour; exits 1 unless every VRID ends with exactly one master, the one of highest
/// priority, and every node holds exactly its masters' addresses:
/// <c>dotnet run -c Release --project tests/Vrrp.Benchmarks -- --scale</c>.
/// </summary>
internal static class ScaleHarness
{
    private const int Nodes = 4;
    private const int VirtualRouterIds = 250;

    public static int Run(string[] args)
    {
        double hours = double.Parse(SoakHarness.Option(args, "--hours") ?? "1", CultureInfo.InvariantCulture);
        byte[] vrids = Enumerable.Range(1, VirtualRouterIds).Select(i => (byte)i).ToArray();
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder()
            .WithVirtualRouterIds(vrids)
            .ConfigureRouters(o =>
            {
                // One /24 of its own per VRID, so that no two routers of a node share an address.
                o.VirtualAddresses.Clear();
                o.VirtualAddresses.Add($"10.{o.VirtualRouterId}.0.1/24");
            });
        for (int n = 0; n < Nodes; n++)
        {
            int node = n;

            // Node (VRID mod 4) has priority 100 for that VRID, the others 90, 80, 70: each node masters a quarter.
            builder.AddNode($"r{n + 1}", 100, o => o.Priority = 100 - (10 * ((node - o.VirtualRouterId + (Nodes * 256)) % Nodes)));
        }

        long startReal = Stopwatch.GetTimestamp();
        using VrrpSimulation sim = builder.Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromMinutes(1));
        TimeSpan warmUp = Stopwatch.GetElapsedTime(startReal);
        long sentBefore = Sent(sim);

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        long steadyStart = Stopwatch.GetTimestamp();
        sim.Clock.Advance(TimeSpan.FromHours(hours));
        TimeSpan steady = Stopwatch.GetElapsedTime(steadyStart);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        (gen0, gen1, gen2) = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
        long sent = Sent(sim) - sentBefore;
        long received = sim.Nodes.Sum(n => n.Routers.Sum(r => r.Statistics.AdvertisementsReceived));
        long discarded = sim.Nodes.Sum(n => n.Routers.Sum(r => r.Statistics.TotalDiscarded));

        int routers = Nodes * VirtualRouterIds;
        var failures = new List<string>();
        foreach (byte vrid in vrids)
        {
            IReadOnlyList<SimulatedNode> masters = sim.MastersOf(vrid);
            string expected = $"r{(vrid % Nodes) + 1}";
            if (masters.Count != 1 || masters[0].Name != expected)
            {
                failures.Add($"VRID {vrid}: masters [{string.Join(", ", masters)}], expected {expected}");
            }
        }

        failures.AddRange(sim.CheckAddressInvariant());
        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"scale: {routers:N0} routers ({Nodes} nodes x {VirtualRouterIds} VRIDs, VRRPv3/IPv4, 1 s interval, one address each, perfect links), {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC"));
        Console.WriteLine(string.Create(c, $"  build, start and 1 simulated minute of warm-up: {warmUp.TotalSeconds:F2} s real"));
        Console.WriteLine(string.Create(c, $"  steady: {hours:0.##} simulated hour(s) in {steady.TotalSeconds:F2} s real = {routers * hours / steady.TotalSeconds:N0} router-hours per real second"));
        Console.WriteLine(string.Create(c, $"  adverts sent in the steady part: {sent:N0} ({sent / steady.TotalSeconds:N0} per real second, {steady.TotalNanoseconds / sent:N0} ns each including {Nodes - 1} deliveries); received in all {received:N0}, discarded {discarded:N0}"));
        Console.WriteLine(string.Create(c, $"  allocated in the steady part (all threads): {allocated:N0} B ({(double)allocated / sent:F2} B per advert); GC collections gen0 {gen0}, gen1 {gen1}, gen2 {gen2}"));
        Console.WriteLine(string.Create(c, $"  end: {vrids.Length - failures.Count(f => f.StartsWith("VRID", StringComparison.Ordinal))} of {vrids.Length} VRIDs have exactly one master, the expected one; address invariant {(sim.CheckAddressInvariant().Count == 0 ? "holds" : "VIOLATED")}"));
        foreach (string failure in failures.Take(20))
        {
            Console.WriteLine(string.Create(c, $"  FAIL {failure}"));
        }

        Console.WriteLine(failures.Count == 0 ? "  PASS" : "  FAIL");
        return failures.Count == 0 ? 0 : 1;
    }

    private static long Sent(VrrpSimulation sim) => sim.Nodes.Sum(n => n.Routers.Sum(r => r.Statistics.AdvertisementsSent));
}
