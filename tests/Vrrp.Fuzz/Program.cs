using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Vrrp.Fuzz;

/// <summary>
/// Fuzzes every decoder that reads bytes from outside the process with generated and mutated inputs; half of the
/// mutants get their checksums (and AH ICVs) repaired so that decoding goes past them. Prints, per decoder, the
/// inputs run and the outcomes counted by reason; an exception escaping a decoder is a crash: its input is saved
/// under Regressions/ (replayed by the tests from then on) and the run fails.
/// </summary>
/// <remarks>usage: dotnet run -c Release --project tests/Vrrp.Fuzz -- [--iterations N per decoder] [--seed N] [--target NAME]</remarks>
internal static class Program
{
    public static int Main(string[] args)
    {
        long iterations = 10_000_000;
        int seed = 1;
        string? only = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--iterations": iterations = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--target": only = args[i + 1]; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        string regressions = Path.Combine(FindRepositoryRoot(), "tests", "Vrrp.Fuzz", "Regressions");
        int crashes = 0;
        long total = 0;
        Console.WriteLine($"| decoder | inputs | inputs/s | exceptions | outcomes |");
        Console.WriteLine($"|---|---|---|---|---|");
        foreach (FuzzTarget target in FuzzTargets.All)
        {
            if (only is not null && target.Name != only)
            {
                continue;
            }

            (long runs, int failed, Dictionary<string, long> outcomes, TimeSpan took) = Run(target, iterations, seed, regressions);
            crashes += failed;
            total += runs;
            string counts = string.Join(", ", outcomes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:N0}"));
            Console.WriteLine($"| {target.Name} | {runs:N0} | {runs / took.TotalSeconds:N0} | {failed} | {counts} |");
        }

        Console.WriteLine();
        Console.WriteLine($"{total:N0} inputs, {crashes} exceptions escaped (seed {seed})");
        return crashes == 0 ? 0 : 1;
    }

    private static (long Runs, int Crashes, Dictionary<string, long> Outcomes, TimeSpan Took) Run(FuzzTarget target, long iterations, int seed, string regressions)
    {
        var random = new Random(HashCode.Combine(seed, target.Name.Length, target.Name[0]));
        var mutator = new Mutator(random);
        var corpus = new List<byte[]>();
        for (int i = 0; i < 256; i++)
        {
            corpus.Add(target.Seed(random));
        }

        var outcomes = new Dictionary<string, long>(StringComparer.Ordinal);
        byte[] buffer = new byte[Mutator.Capacity];
        int crashes = 0;
        var watch = Stopwatch.StartNew();
        for (long n = 0; n < iterations; n++)
        {
            int length;
            switch (random.Next(20))
            {
                case 0:
                    // Generated: a fresh valid input, unmutated, or pure noise.
                    byte[] fresh = target.Seed(random);
                    fresh.CopyTo(buffer, 0);
                    length = fresh.Length;
                    break;
                case 1:
                    length = random.Next(300);
                    random.NextBytes(buffer.AsSpan(0, length));
                    break;
                default:
                    byte[] parent = corpus[random.Next(corpus.Count)];
                    parent.CopyTo(buffer, 0);
                    length = mutator.Mutate(buffer, parent.Length, corpus[random.Next(corpus.Count)]);
                    if (target.Repair is not null && random.Next(2) == 0)
                    {
                        target.Repair(buffer.AsSpan(0, length));
                    }

                    break;
            }

            string outcome;
            long started = Stopwatch.GetTimestamp();
            try
            {
                outcome = target.Decode(buffer.AsSpan(0, length));

                // A hang is a finding too: no input may take a decoder a second.
                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(1))
                {
                    throw new TimeoutException($"one input took {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
                }
            }
#pragma warning disable CA1031 // the point of the run: any exception at all is a finding
            catch (Exception e)
#pragma warning restore CA1031
            {
                crashes++;
                outcome = "EXCEPTION " + e.GetType().Name;
                byte[] input = buffer[..length];
                string file = Path.Combine(regressions, $"{target.Name}-{Convert.ToHexStringLower(SHA256.HashData(input))[..16]}.bin");
                File.WriteAllBytes(file, input);
                Console.Error.WriteLine($"{target.Name}: {e.GetType().Name}: {e.Message} -> {file}");
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;

            // Keep inputs that reached an outcome rarely seen: a crude stand-in for coverage feedback.
            if (outcomes[outcome] <= 8 && corpus.Count < 4096)
            {
                corpus.Add(buffer[..length]);
            }
        }

        return (iterations, crashes, outcomes, watch.Elapsed);
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Vrrp.sln")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
