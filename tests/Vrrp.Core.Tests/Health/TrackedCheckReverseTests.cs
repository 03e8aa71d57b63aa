using Vrrp.Health;

namespace Vrrp.Core.Tests.Health;

/// <summary>keepalived's <c>weight W reverse</c>: the adjustment goes the other way (vrrp_track.c: weight × −1).</summary>
public sealed class TrackedCheckReverseTests
{
    [Theory]
    [InlineData(20, false, true, 20, false)]   // healthy, +20
    [InlineData(20, false, false, 0, false)]
    [InlineData(20, true, true, -20, false)]   // reversed: healthy takes 20 off
    [InlineData(20, true, false, 0, false)]
    [InlineData(-20, false, false, -20, false)] // failing, −20
    [InlineData(-20, false, true, 0, false)]
    [InlineData(-20, true, false, 20, false)]  // reversed: failing adds 20
    [InlineData(-20, true, true, 0, false)]
    [InlineData(0, false, false, 0, true)]     // weight 0: failing is the Fault
    [InlineData(0, false, true, 0, false)]
    [InlineData(0, true, true, 0, true)]       // reversed: healthy is the Fault
    [InlineData(0, true, false, 0, false)]
    public void The_delta_and_the_fault_follow_keepalived(int weight, bool reverse, bool healthy, int delta, bool fault)
    {
        var check = new TrackedCheck("chk", weight) { Reverse = reverse };
        check.SetHealthy(healthy);
        Assert.Equal((delta, fault), (check.PriorityDelta, check.CausesFault));
    }

    [Theory]
    [InlineData(10, false, 3, 30, false)]
    [InlineData(10, true, 3, -30, false)]
    [InlineData(-10, true, 3, 30, false)]
    [InlineData(10, true, 30, 0, true)]   // −300: below −253, a Fault
    [InlineData(0, false, 0, 0, false)]
    [InlineData(0, true, 0, 0, true)]     // reversed track_file, weight 0: a zero value is the Fault
    [InlineData(0, true, 5, 0, false)]
    public void A_reversed_track_file_changes_the_sign_of_its_product(int weight, bool reverse, long value, int delta, bool fault)
    {
        var check = new TrackedCheck("tf", weight) { Reverse = reverse };
        check.SetValue(value);
        Assert.Equal((delta, fault), (check.PriorityDelta, check.CausesFault));
    }
}
