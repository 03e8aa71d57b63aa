using System.Globalization;
using Vrrp.Testing.Tests;

namespace Vrrp.Benchmarks;

/// <summary>
/// Runs the bad-input cases of <c>tests/Vrrp.Testing.Tests/Attack</c> and prints them as a markdown table:
/// <c>dotnet run -c Release --project tests/Vrrp.Benchmarks -- --attack</c>. Exits 1 when any case changed something.
/// </summary>
internal static class AttackHarness
{
    public static int Run()
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine("| Input (from a rogue host, at 10 s) | Routers | Expected | r1 (master) before → after | r2 (backup) before → after | Counter | At r1 | At r2 | r2 takes over after r1 crashes at 25 s (control) | Result |");
        Console.WriteLine("|---|---|---|---|---|---|---:|---:|---|---|");
        int failed = 0;
        foreach (BadInputCase testCase in BadInputCases.All)
        {
            BadInputOutcome o = BadInputCases.Run(testCase);
            string[] failures = [.. o.Failures()];
            failed += failures.Length > 0 ? 1 : 0;
            string expected = $"dropped, nothing changes; {testCase.Counter} +{testCase.ExpectedAtMaster:N0} at r1, +{testCase.ExpectedAtBackup:N0} at r2{(testCase.Note is null ? string.Empty : $" ({testCase.Note})")}";
            Console.WriteLine(string.Create(c, $"| {testCase.Input} | {testCase.Cluster} | {expected} | {o.MasterBefore} → {o.MasterAfter} | {o.BackupBefore} → {o.BackupAfter} | {testCase.Counter} | {o.CountAtMaster:N0} | {o.CountAtBackup:N0} | {o.Takeover.TotalMilliseconds:F3} ms ({o.ControlTakeover.TotalMilliseconds:F3} ms){(o.HistoriesMatchControl && o.AdvertsMatchControl ? "; histories and adverts as control" : string.Empty)} | {(failures.Length == 0 ? "pass" : "FAIL: " + string.Join("; ", failures))} |"));
        }

        return failed == 0 ? 0 : 1;
    }
}
