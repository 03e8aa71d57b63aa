using System.Text.RegularExpressions;

namespace Vrrp.Testing.Tests;

/// <summary>
/// The Testing README's examples, run as tests; and a check that every C# block of the README appears in this file
/// line for line, so an example can never drift from code that compiles and passes.
/// </summary>
public sealed partial class ReadmeExamplesTests
{
    [Fact]
    public void Example_a_failing_service_hands_over()
    {
        // README example 1, as written.
        using var sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90, 80).TrackService(-20).Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim["r1"].Service.SetHealthy(false);      // 100 - 20 = 80 < 90: r2 takes over
        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);
        Assert.Empty(sim.CheckAddressInvariant()); // addresses are held exactly by masters
    }

    [Fact]
    public void Example_the_gap_after_a_crash()
    {
        // README example 2, as written.
        using var sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90, 80).Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        sim.ResetMastership();
        sim.Crash("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));
        MastershipSummary m = sim.GetMastership();
        Assert.True(m.NoMaster <= sim["r2"].Router.MasterDownInterval);   // the gap: at most r2's Master_Down_Interval
        Assert.Equal(TimeSpan.Zero, m.SeveralMasters);                    // never two masters
    }

    [Fact]
    public void Every_csharp_block_of_the_README_is_an_example_here()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "src", "Vrrp.Testing", "README.md"));
        string[] here = [.. File.ReadAllLines(Path.Combine(root, "tests", "Vrrp.Testing.Tests", "ReadmeExamplesTests.cs")).Select(l => l.Trim())];
        MatchCollection blocks = CSharpBlock().Matches(readme);
        Assert.NotEmpty(blocks);
        foreach (Match block in blocks)
        {
            string[] lines = [.. block.Groups[1].Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
            int start = Array.IndexOf(here, lines[0]);
            Assert.True(start >= 0, $"README block not here: {lines[0]}");
            Assert.Equal(lines, here.Skip(start).Take(lines.Length));
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vrrp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Vrrp.sln) is not above the test's folder");
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
