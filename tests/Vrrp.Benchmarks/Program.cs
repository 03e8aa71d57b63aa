using BenchmarkDotNet.Running;

namespace Vrrp.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line, for example <c>--filter '*' --job short</c>, or one harness:
/// <c>--timers</c>, <c>--isolation</c>, <c>--scale</c>, <c>--soak [--seed N] [--hours H]</c>, <c>--attack</c>.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--timers"))
        {
            TimerLatenessHarness.Run();
            return 0;
        }

        if (args.Contains("--scale"))
        {
            return ScaleHarness.Run(args);
        }

        if (args.Contains("--soak"))
        {
            return SoakHarness.Run(args);
        }

        if (args.Contains("--isolation"))
        {
            return IsolationHarness.Run();
        }

        if (args.Contains("--attack"))
        {
            return AttackHarness.Run();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
