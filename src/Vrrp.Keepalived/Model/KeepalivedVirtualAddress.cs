namespace Vrrp.Keepalived;

/// <summary>One line of <c>virtual_ipaddress</c> or <c>virtual_ipaddress_excluded</c>: <c>ADDR[/PREFIX] [dev IF] [label L] [brd B] [scope S] [no_track]</c>.</summary>
/// <param name="Address">The address with its prefix, as <c>192.0.2.10/24</c>; without a prefix keepalived uses /32 or /128, and so does the reader.</param>
/// <param name="Device">The interface to put it on (<c>dev</c>); <see langword="null"/> for the instance's interface.</param>
/// <param name="Label">The address label (<c>label</c>), as <c>eth0:1</c>.</param>
/// <param name="Broadcast">The broadcast address (<c>brd</c>): an IPv4 address, <c>+</c> or <c>-</c>.</param>
/// <param name="Scope">The scope (<c>scope</c>): <c>global</c>, <c>site</c>, <c>link</c>, <c>host</c>, <c>nowhere</c> or a number.</param>
/// <param name="NoTrack">Whether the instance ignores the state of <paramref name="Device"/> (<c>no_track</c>).</param>
public sealed record KeepalivedVirtualAddress(string Address, string? Device = null, string? Label = null, string? Broadcast = null, string? Scope = null, bool NoTrack = false)
{
    /// <summary>Returns the entry as <see cref="Vrrp.VirtualRouterOptions.VirtualAddresses"/> takes it: the address, then its options.</summary>
    /// <returns>The entry, as <c>198.51.100.10/24 dev lab1 label lab1:web</c>.</returns>
    public string ToOptionsEntry()
    {
        var entry = new System.Text.StringBuilder(Address);
        Append("dev", Device);
        Append("label", Label);
        Append("scope", Scope);
        Append("brd", Broadcast);
        if (NoTrack)
        {
            entry.Append(" no_track");
        }

        return entry.ToString();

        void Append(string name, string? value)
        {
            if (value is not null)
            {
                entry.Append(' ').Append(name).Append(' ').Append(value);
            }
        }
    }
}
