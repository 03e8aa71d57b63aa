namespace Vrrp.Addressing;

/// <summary>
/// Announces a new master's addresses to the link: gratuitous ARP for IPv4, unsolicited neighbour advertisements
/// for IPv6 (RFC 9568 §6.4.2), from the virtual MAC when one is used.
/// </summary>
public interface IAddressAnnouncer
{
    /// <summary>
    /// Sends <paramref name="repeat"/> announcements for every virtual address of the router. Called off the router's
    /// protocol loop, in order with its address changes; an exception puts the router in Fault for
    /// <see cref="VirtualRouter.ActionFaultHold"/>.
    /// </summary>
    /// <param name="router">The master.</param>
    /// <param name="repeat">How many of each to send.</param>
    void Announce(VirtualRouter router, int repeat);

    /// <summary>
    /// Sends one announcement for each of the given addresses, each on the interface it is placed on
    /// (<see cref="VirtualRouter.PlacementOf"/>): the periodic announcements of
    /// <see cref="VirtualRouterOptions.OtherInterfaceAnnouncementInterval"/>, one address per interface. Called as
    /// <see cref="Announce"/> is. Does nothing unless implemented.
    /// </summary>
    /// <param name="router">The master.</param>
    /// <param name="addresses">The addresses, one per interface, all held by the router.</param>
    void AnnounceOnTheirInterfaces(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
    }
}
