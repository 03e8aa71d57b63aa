using Vrrp.Addressing;

namespace Vrrp.Testing;

/// <summary>What a <see cref="FakeAddressManager"/> was asked to do.</summary>
public enum AddressEventKind : byte
{
    /// <summary>Addresses were added.</summary>
    Added = 0,

    /// <summary>Addresses were removed.</summary>
    Removed,

    /// <summary>Gratuitous ARPs or unsolicited neighbour advertisements were sent.</summary>
    Announced,

    /// <summary>The router's virtual routes and rules were added (the event carries no addresses).</summary>
    RoutesAdded,

    /// <summary>The router's virtual routes and rules were removed (the event carries no addresses).</summary>
    RoutesRemoved,

    /// <summary>One address per other interface was announced there (<see cref="Vrrp.VirtualRouterOptions.OtherInterfaceAnnouncementInterval"/>).</summary>
    AnnouncedOnOtherInterfaces,
}

/// <summary>One call a <see cref="FakeAddressManager"/> recorded.</summary>
/// <param name="Time">When.</param>
/// <param name="Router">The router's name.</param>
/// <param name="VirtualRouterId">The router's VRID.</param>
/// <param name="Kind">What was done.</param>
/// <param name="Addresses">The addresses concerned.</param>
/// <param name="Repeat">For announcements, how many of each.</param>
public sealed record AddressEvent(DateTimeOffset Time, string Router, byte VirtualRouterId, AddressEventKind Kind, IReadOnlyList<VirtualAddress> Addresses, int Repeat);
