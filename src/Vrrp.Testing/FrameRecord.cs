using System.Net.Sockets;

namespace Vrrp.Testing;

/// <summary>What happened to one frame on an <see cref="InMemoryNetwork"/>.</summary>
public enum FrameOutcome : byte
{
    /// <summary>The frame was handed to the receiving host.</summary>
    Delivered = 0,

    /// <summary>The link lost it (<see cref="LinkConditions.Loss"/>).</summary>
    Lost,

    /// <summary>A partition separates the hosts, or one of them is disconnected.</summary>
    Partitioned,
}

/// <summary>One entry of the network's frame log.</summary>
/// <param name="Time">When the outcome happened: delivery time for delivered frames, send time otherwise.</param>
/// <param name="From">The sending host.</param>
/// <param name="To">The receiving host.</param>
/// <param name="Family">IPv4 or IPv6.</param>
/// <param name="VirtualRouterId">The VRID in the packet, if it has one.</param>
/// <param name="Priority">The priority in the packet, if it has one.</param>
/// <param name="Length">The packet's length.</param>
/// <param name="Outcome">What happened.</param>
public readonly record struct FrameRecord(DateTimeOffset Time, string From, string To, AddressFamily Family, byte VirtualRouterId, byte Priority, int Length, FrameOutcome Outcome);
