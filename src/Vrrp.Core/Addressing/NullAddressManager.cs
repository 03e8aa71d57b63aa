namespace Vrrp.Addressing;

/// <summary>
/// An address manager and announcer that do nothing: for a router used for leader election alone, which has no
/// virtual address to put on an interface or announce.
/// </summary>
public sealed class NullAddressManager : IVirtualAddressManager, IAddressAnnouncer
{
    private NullAddressManager()
    {
    }

    /// <summary>Gets the one instance.</summary>
    public static NullAddressManager Instance { get; } = new();

    /// <inheritdoc/>
    public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
    }

    /// <inheritdoc/>
    public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
    }

    /// <inheritdoc/>
    public void Announce(VirtualRouter router, int repeat)
    {
    }
}
