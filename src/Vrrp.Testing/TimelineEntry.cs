using System.Globalization;
using Vrrp.Notifications;

namespace Vrrp.Testing;

/// <summary>One line of a simulation's timeline: a state change of one router, or a fault the test injected.</summary>
/// <param name="Elapsed">Time since the simulation started.</param>
/// <param name="Node">The node.</param>
/// <param name="VirtualRouterId">The VRID, or 0 for an injected fault.</param>
/// <param name="Change">The state change; default for an injected fault.</param>
/// <param name="Note">What the test did, for an injected fault; otherwise <see langword="null"/>.</param>
public sealed record TimelineEntry(TimeSpan Elapsed, string Node, byte VirtualRouterId, StateChange Change, string? Note = null)
{
    /// <inheritdoc/>
    public override string ToString() => Note is not null
        ? string.Create(CultureInfo.InvariantCulture, $"{Elapsed.TotalSeconds,9:F3}s  {Node,-6} {Note}")
        : string.Create(CultureInfo.InvariantCulture, $"{Elapsed.TotalSeconds,9:F3}s  {Node,-6} VRID {VirtualRouterId}: {Change.From} -> {Change.To} ({Change.Reason}, priority {Change.Priority})");
}
