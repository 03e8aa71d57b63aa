namespace Vrrp.Routing;

/// <summary>The type of a virtual route (the kernel's <c>RTN_*</c>).</summary>
public enum RouteType : byte
{
    /// <summary>A route to a gateway or a link (<c>RTN_UNICAST</c>): the default.</summary>
    Unicast = 1,

    /// <summary>Packets are dropped silently (<c>blackhole</c>).</summary>
    Blackhole = 6,

    /// <summary>Packets are refused with host unreachable (<c>unreachable</c>).</summary>
    Unreachable = 7,

    /// <summary>Packets are refused with administratively prohibited (<c>prohibit</c>).</summary>
    Prohibit = 8,

    /// <summary>The lookup goes on in the next rule's table (<c>throw</c>).</summary>
    Throw = 9,
}
