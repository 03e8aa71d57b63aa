using Vrrp.Fuzz;

namespace Vrrp.Linux.Tests;

/// <summary>
/// Every input that once made a decoder throw (tests/Vrrp.Fuzz/Regressions) replays here, and each fuzz target is
/// driven through a short seeded run, so the wiring the long fuzz runs rely on is itself under test.
/// </summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Fact]
    public void Every_recorded_crashing_input_is_now_decoded_without_an_exception()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions");
        Assert.True(File.Exists(Path.Combine(folder, "README.md")), "the regressions folder should be copied next to the tests");
        foreach (string file in Directory.GetFiles(folder, "*.bin"))
        {
            string name = Path.GetFileName(file)[..Path.GetFileName(file).LastIndexOf('-')];
            FuzzTarget target = FuzzTargets.All.Single(t => t.Name == name);
            Assert.NotNull(target.Decode(File.ReadAllBytes(file)));
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_decode_as_valid_and_twenty_thousand_mutants_never_throw(string name)
    {
        // Input: the target's generated seeds, then 20,000 seeded mutants (half with checksums repaired).
        // Expected: the seeds are accepted (so the long runs start from inputs that reach deep), no mutant throws,
        // and the mutants reach more than one rejection reason.
        FuzzTarget target = FuzzTargets.All.Single(t => t.Name == name);
        var random = new Random(42);
        var mutator = new Mutator(random);
        byte[][] seeds = [.. Enumerable.Range(0, 32).Select(_ => target.Seed(random))];
        // (The keepalived.conf corpus holds files with errors on purpose, and includes that do not resolve in memory.)
        int accepted = seeds.Count(seed => target.Decode(seed) is "Valid" or "Ack" or "Link" or "AddressRemoved" or "Other");
        Assert.True(name == "keepalived-conf" ? accepted >= seeds.Length / 3 : accepted == seeds.Length, $"{name}: only {accepted} of {seeds.Length} seeds accepted");

        var outcomes = new HashSet<string>();
        byte[] buffer = new byte[Mutator.Capacity];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] parent = seeds[random.Next(seeds.Length)];
            parent.CopyTo(buffer, 0);
            int length = mutator.Mutate(buffer, parent.Length, seeds[random.Next(seeds.Length)]);
            if (target.Repair is not null && random.Next(2) == 0)
            {
                target.Repair(buffer.AsSpan(0, length));
            }

            outcomes.Add(target.Decode(buffer.AsSpan(0, length)));
        }

        Assert.True(outcomes.Count > 2, $"{name}: mutants reached only {string.Join(", ", outcomes)}");
    }
}
