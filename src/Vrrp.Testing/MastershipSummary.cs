namespace Vrrp.Testing;

/// <summary>How a VRID's mastership went over a window of a <see cref="VrrpSimulation"/>.</summary>
/// <param name="Window">The window's length.</param>
/// <param name="NoMaster">How long no running node was master: the failover gaps.</param>
/// <param name="SeveralMasters">How long more than one running node was master: split brain.</param>
/// <param name="MostMasters">The most masters at once in the window.</param>
public readonly record struct MastershipSummary(TimeSpan Window, TimeSpan NoMaster, TimeSpan SeveralMasters, int MostMasters);
