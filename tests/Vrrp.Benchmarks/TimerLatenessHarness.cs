using System.Diagnostics;
using System.Globalization;
using Vrrp.Linux.Timing;

namespace Vrrp.Benchmarks;

/// <summary>
/// Prints how late one-shot timers fire, for <see cref="TimeProvider.System"/> and <see cref="PreciseTimeProvider"/>:
/// <c>dotnet run -c Release --project tests/Vrrp.Benchmarks -- --timers</c>.
/// </summary>
internal static class TimerLatenessHarness
{
    public static void Run()
    {
        using var precise = new PreciseTimeProvider();
        foreach ((string name, TimeProvider time) in new[] { ("TimeProvider.System", TimeProvider.System), ("PreciseTimeProvider", (TimeProvider)precise) })
        {
            var lateness = new List<double>();
            for (int i = 0; i < 500; i++)
            {
                using var fired = new ManualResetEventSlim();
                long firedAt = 0;
                long start = Stopwatch.GetTimestamp();
                using ITimer timer = time.CreateTimer(_ =>
                {
                    firedAt = Stopwatch.GetTimestamp();
                    fired.Set();
                }, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
                fired.Wait();
                lateness.Add(((firedAt - start) * 1000.0 / Stopwatch.Frequency) - 10);
            }

            lateness.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-20} 500 x 10 ms one-shot: lateness min {lateness[0]:F3} ms, p50 {lateness[250]:F3} ms, p99 {lateness[494]:F3} ms, max {lateness[^1]:F3} ms"));
        }
    }
}
