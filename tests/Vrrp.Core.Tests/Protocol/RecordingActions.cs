using System.Globalization;
using Vrrp.Protocol;

namespace Vrrp.Tests.Protocol;

/// <summary>
/// An <see cref="IVrrpActions"/> sink that writes down every call, in order, as one short line each, so that a test
/// asserts the exact sequence a state machine asked for.
/// </summary>
/// <remarks>
/// The lines are:
/// <list type="bullet">
/// <item><c>send 100</c>: an advertisement with priority 100 (<c>send 0</c> releases mastership).</item>
/// <item><c>arm MasterDown 00:00:03.6093750</c>: a timer, with its due time in the invariant <c>c</c> format (exact to the 100 ns tick).</item>
/// <item><c>cancel Advertisement</c>: a timer cancelled.</item>
/// <item><c>add</c> / <c>remove</c>: the virtual addresses added to or removed from the interface.</item>
/// <item><c>announce 5</c>: five gratuitous ARPs / unsolicited NAs per virtual address.</item>
/// <item><c>state Backup->Master NoResponse</c>: a state change and its reason.</item>
/// </list>
/// </remarks>
internal sealed class RecordingActions : IVrrpActions
{
    private readonly List<string> _calls = [];

    /// <summary>Gets or sets the answer to <see cref="IVrrpActions.MayBecomeMaster"/> (a sync group's veto); not recorded.</summary>
    public bool MayBecomeMaster { get; set; } = true;

    /// <summary>Every call since the last <see cref="Clear"/>, oldest first.</summary>
    public IReadOnlyList<string> Calls => _calls;

    /// <summary>Forgets the calls so far, so that a test sees only what its own event caused.</summary>
    public void Clear() => _calls.Clear();

    /// <summary>The line <see cref="ArmTimer"/> records, for building expectations from a computed interval.</summary>
    public static string Arm(VrrpTimer timer, TimeSpan dueIn) =>
        string.Create(CultureInfo.InvariantCulture, $"arm {timer} {dueIn:c}");

    public void SendAdvertisement(byte priority) =>
        _calls.Add(string.Create(CultureInfo.InvariantCulture, $"send {priority}"));

    public void ArmTimer(VrrpTimer timer, TimeSpan dueIn) => _calls.Add(Arm(timer, dueIn));

    public void CancelTimer(VrrpTimer timer) => _calls.Add($"cancel {timer}");

    public void AddVirtualAddresses() => _calls.Add("add");

    public void RemoveVirtualAddresses() => _calls.Add("remove");

    public void Announce(int repeat) =>
        _calls.Add(string.Create(CultureInfo.InvariantCulture, $"announce {repeat}"));

    public void StateChanged(VrrpState from, VrrpState to, StateChangeReason reason) =>
        _calls.Add($"state {from}->{to} {reason}");

    bool IVrrpActions.MayBecomeMaster() => MayBecomeMaster;

    /// <summary>Gets how many lower-priority answers the machine withheld (counted, not recorded as a call).</summary>
    public int Withheld { get; private set; }

    void IVrrpActions.LowerPriorityAnswerWithheld() => Withheld++;
}
