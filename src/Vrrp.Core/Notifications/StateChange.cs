using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Notifications;

/// <summary>One state change of a virtual router.</summary>
/// <param name="From">The state left.</param>
/// <param name="To">The state entered.</param>
/// <param name="Reason">Why.</param>
/// <param name="Priority">The router's effective priority at the time.</param>
/// <param name="MasterAddress">The master's address as far as the router knew, or the default value.</param>
/// <param name="Timestamp">When, from the router's <see cref="TimeProvider"/>.</param>
public readonly record struct StateChange(VrrpState From, VrrpState To, StateChangeReason Reason, byte Priority, PackedIPAddress MasterAddress, DateTimeOffset Timestamp);
