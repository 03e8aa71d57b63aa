using BenchmarkDotNet.Running;

namespace Vrrp.Benchmarks;

/// <summary>Runs the benchmarks chosen on the command line, for example <c>--filter '*' --job short</c>.</summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        if (args.Contains("--timers"))
        {
            TimerLatenessHarness.Run();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
