using System.Diagnostics;
using System.Globalization;

namespace Vrrp.Election.Harness;

/// <summary>The figures: failover per fault against the TTL, and the two safety counts.</summary>
internal static class Report
{
    public static void Print(Dictionary<string, string> options, List<FaultResult> results, List<Beliefs.Interval> beliefs, List<FencedResource.Write> writes, int marginMs)
    {
        bool etcd = options["--backend"] == "etcd";
        Console.WriteLine(etcd
            ? $"## etcd backend: 3 members, 5 electors, lease TTL {options["--ttl"]} s, safety margin {marginMs} ms"
            : $"## VRRP over UDP: 5 electors (priorities 100 to 60), advertisement interval {options["--advert-ms"]} ms");
        Console.WriteLine();
        Console.WriteLine($"| fault | rounds | failover median (ms) | p99 (ms) | max (ms) | no failover in the window | stale writes accepted | longest two-leader overlap (ms) | overlaps > {marginMs} ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var starts = beliefs.Select(b => (b.Token, b.Start)).ToList();
        List<(long At, double Ms)> overlaps = Overlaps(beliefs);
        int totalStale = 0;
        foreach (FaultResult result in results)
        {
            double[] seen = [.. result.FailoversMs.Where(f => f.HasValue).Select(f => f!.Value).Order()];

            // A write accepted under a token lower than that of a term whose elector already believed it led.
            int stale = writes.Count(w => w.Accepted && w.At >= result.Start && w.At < result.End && starts.Any(s => s.Token > w.Token && s.Start < w.At));
            totalStale += stale;
            double[] mine = [.. overlaps.Where(o => o.At >= result.Start && o.At < result.End).Select(o => o.Ms)];
            string failover = seen.Length == 0 ? "- | - | -" : $"{Percentile(seen, 0.5):F0} | {Percentile(seen, 0.99):F0} | {seen[^1]:F0}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {result.Fault} | {result.Rounds} | {failover} | {result.Rounds - seen.Length} | {stale} | {(mine.Length == 0 ? 0 : mine.Max()):F1} | {mine.Count(m => m > marginMs)} |"));
        }

        int accepted = writes.Count(w => w.Accepted);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- writes: {writes.Count} sent, {accepted} accepted, {writes.Count - accepted} refused by the fence"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- **writes accepted from a leader after a newer term began: {totalStale}**"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- **two electors believing they lead at once: longest {(overlaps.Count == 0 ? 0 : overlaps.Max(o => o.Ms)):F1} ms; {overlaps.Count(o => o.Ms > marginMs)} times longer than {marginMs} ms**"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- terms: {beliefs.Select(b => b.Token).Distinct().Count()}"));
    }

    /// <summary>Each overlap of two different electors' beliefs: when it began, and how long it lasted.</summary>
    private static List<(long At, double Ms)> Overlaps(List<Beliefs.Interval> beliefs)
    {
        var found = new List<(long, double)>();
        var ordered = beliefs.OrderBy(b => b.Start).ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            for (int j = i + 1; j < ordered.Count && ordered[j].Start < ordered[i].End; j++)
            {
                if (ordered[j].Elector != ordered[i].Elector)
                {
                    found.Add((ordered[j].Start, Stopwatch.GetElapsedTime(ordered[j].Start, Math.Min(ordered[i].End, ordered[j].End)).TotalMilliseconds));
                }
            }
        }

        return found;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
