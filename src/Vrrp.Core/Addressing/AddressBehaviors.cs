namespace Vrrp.Addressing;

/// <summary>
/// Flags of an address as <c>ip address add</c> takes them and keepalived passes them on (the kernel's <c>IFA_F_*</c>
/// values), set in <see cref="AddressPlacement.Behaviors"/>.
/// </summary>
[Flags]
public enum AddressBehaviors
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>A Mobile IPv6 home address (<c>home</c>).</summary>
    HomeAddress = 0x10,

    /// <summary>The kernel makes and manages temporary addresses from this one (<c>mngtmpaddr</c>, IPv6).</summary>
    ManageTemporaryAddresses = 0x100,

    /// <summary>No route to the address's prefix is added with it (<c>noprefixroute</c>).</summary>
    NoPrefixRoute = 0x200,

    /// <summary>A multicast address the interface joins the group of (<c>autojoin</c>).</summary>
    MulticastAutoJoin = 0x400,
}
