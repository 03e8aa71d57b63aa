using Vrrp.Packets;

namespace Vrrp.Notifications;

/// <summary>
/// A master heard an advertisement of a lower priority (another router that takes itself for master, after a break in
/// their link) and answered it: told at most once per advertisement interval, as the answer is.
/// </summary>
/// <param name="Source">The other router's address.</param>
/// <param name="Priority">The priority it advertised.</param>
/// <param name="OurPriority">This master's priority.</param>
/// <param name="Timestamp">When it was heard.</param>
public readonly record struct LowerPriorityAdvert(PackedIPAddress Source, byte Priority, byte OurPriority, DateTimeOffset Timestamp);
