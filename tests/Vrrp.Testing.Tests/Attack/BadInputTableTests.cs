namespace Vrrp.Testing.Tests;

/// <summary>
/// Every bad input of <see cref="BadInputCases"/>, sent by a rogue host to a running master and a running backup,
/// changes nothing (states, master, state histories, the master's adverts, and the instant the backup takes over
/// when the master then crashes, against a control run with nothing sent) and is counted under its own reason only.
/// </summary>
public sealed class BadInputTableTests
{
    public static TheoryData<string> Inputs { get; } = new(BadInputCases.All.Select(c => c.Input));

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_bad_input_changes_nothing_and_is_counted_under_its_reason(string input)
    {
        BadInputOutcome outcome = BadInputCases.Run(BadInputCases.Named(input));

        Assert.True(!outcome.Failures().Any(), $"{input}: {string.Join("; ", outcome.Failures())}");
        Assert.True(outcome.Takeover > TimeSpan.Zero, "the backup never took over in the control run");
    }
}
