using System.Diagnostics;
using System.Globalization;

namespace Vrrp.Election.Harness;

/// <summary>The figures: failover per fault against the TTL, and the two safety counts.</summary>
internal static class Report
{
    public static void Print(Dictionary<string, string> options, List<(string Fault, List<double?> FailoversMs, int Rounds)> results, List<Beliefs.Interval> beliefs, List<FencedResource.Write> writes, int marginMs)
    {
        bool etcd = options["--backend"] == "etcd";
        Console.WriteLine(etcd
            ? $"## etcd backend: 3 members, 5 electors, lease TTL {options["--ttl"]} s, safety margin {marginMs} ms"
            : $"## VRRP over UDP: 5 electors (priorities 100 to 60), advertisement interval {options["--advert-ms"]} ms");
        Console.WriteLine();
        Console.WriteLine("| fault | rounds | failover median (ms) | p99 (ms) | max (ms) | no failover in the window |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach ((string fault, List<double?> failovers, int rounds) in results)
        {
            double[] seen = [.. failovers.Where(f => f.HasValue).Select(f => f!.Value).Order()];
            Console.WriteLine(seen.Length == 0
                ? $"| {fault} | {rounds} | - | - | - | {rounds} |"
                : $"| {fault} | {rounds} | {Percentile(seen, 0.5):F0} | {Percentile(seen, 0.99):F0} | {seen[^1]:F0} | {rounds - seen.Length} |");
        }

        // Writes accepted from a leader after a newer term began: a newer term (greater token) whose belief began,
        // by the electors' own reports, before the resource accepted the older token's write.
        var starts = beliefs.Select(b => (b.Token, b.Start)).OrderBy(s => s.Start).ToList();
        int stale = 0;
        foreach (FencedResource.Write write in writes.Where(w => w.Accepted))
        {
            if (starts.Any(s => s.Token > write.Token && s.Start < write.At))
            {
                stale++;
            }
        }

        // Two electors believing at once: the longest overlap of belief intervals of different electors.
        double worstOverlap = 0;
        int overMargin = 0;
        var ordered = beliefs.OrderBy(b => b.Start).ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            for (int j = i + 1; j < ordered.Count && ordered[j].Start < ordered[i].End; j++)
            {
                if (ordered[j].Elector == ordered[i].Elector)
                {
                    continue;
                }

                double overlap = Stopwatch.GetElapsedTime(ordered[j].Start, Math.Min(ordered[i].End, ordered[j].End)).TotalMilliseconds;
                worstOverlap = Math.Max(worstOverlap, overlap);
                if (overlap > marginMs)
                {
                    overMargin++;
                }
            }
        }

        int accepted = writes.Count(w => w.Accepted);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- writes: {writes.Count} sent, {accepted} accepted, {writes.Count - accepted} refused by the fence"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- **writes accepted from a leader after a newer term began: {stale}**"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- **two electors believing they lead at once: longest {worstOverlap:F1} ms; {overMargin} times longer than {marginMs} ms**"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- terms: {beliefs.Select(b => b.Token).Distinct().Count()}"));
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
