using System.Globalization;
using Vrrp.Testing.Tests;

namespace Vrrp.Benchmarks;

/// <summary>
/// Runs the soak checker of <c>tests/Vrrp.Testing.Tests/Soak</c> for as many simulated hours as asked and prints its
/// report: <c>dotnet run -c Release --project tests/Vrrp.Benchmarks -- --soak [--seed N] [--hours 24]</c>.
/// </summary>
internal static class SoakHarness
{
    public static int Run(string[] args)
    {
        int seed = int.Parse(Option(args, "--seed") ?? "1", CultureInfo.InvariantCulture);
        double hours = double.Parse(Option(args, "--hours") ?? "24", CultureInfo.InvariantCulture);
        SoakReport report = SoakRun.Run(new SoakOptions(seed, TimeSpan.FromHours(hours), TimeSpan.FromHours(1)));
        Console.Write(report.Format());
        return report.Passed ? 0 : 1;
    }

    internal static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
