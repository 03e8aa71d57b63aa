using System.Globalization;
using System.Text;
using Vrrp.Packets;

namespace Vrrp.Routing;

/// <summary>
/// One path of a multipath route (<c>nexthop via GATEWAY dev IF weight N onlink realms R</c>, as <c>ip route</c> and
/// keepalived's <c>virtual_routes</c> write it): the kernel spreads flows over the paths by weight.
/// </summary>
/// <param name="Gateway">The gateway (<c>via</c>), or an empty address for a path straight onto a link.</param>
/// <param name="Device">The output interface (<c>dev</c>), or <see langword="null"/> for the kernel to find from the gateway.</param>
/// <param name="Weight">The path's weight, 1 to 256 (1 when not written).</param>
/// <param name="OnLink">Whether the gateway is taken as on the link whatever the addresses say (<c>onlink</c>, IPv4).</param>
/// <param name="Realms">The path's realms (<c>realms [FROM/]TO</c>, IPv4), the source realm in the high 16 bits; 0 for none.</param>
public readonly record struct RouteNextHop(PackedIPAddress Gateway, string? Device, int Weight = 1, bool OnLink = false, uint Realms = 0)
{
    /// <summary>Returns the path as <c>ip route</c> writes it, from <c>nexthop</c> on.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder("nexthop");
        if (Gateway.Length != 0)
        {
            text.Append(" via ").Append(Gateway);
        }

        if (Device is not null)
        {
            text.Append(" dev ").Append(Device);
        }

        if (Weight != 1)
        {
            text.Append(CultureInfo.InvariantCulture, $" weight {Weight}");
        }

        if (Realms != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" realms {Realms >> 16}/{Realms & 0xffff}");
        }

        return text.Append(OnLink ? " onlink" : string.Empty).ToString();
    }
}
