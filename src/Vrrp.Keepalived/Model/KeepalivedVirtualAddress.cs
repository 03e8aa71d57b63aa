namespace Vrrp.Keepalived;

/// <summary>One line of <c>virtual_ipaddress</c>, <c>virtual_ipaddress_excluded</c> or <c>static_ipaddress</c>: <c>ADDR[/PREFIX] [dev IF] [label L] [brd B] [scope S] [peer P] [preferred_lft N] [noprefixroute] [home] [mngtmpaddr] [autojoin] [-nodad] [no_track]</c>.</summary>
/// <param name="Address">The address with its prefix, as <c>192.0.2.10/24</c>; without a prefix keepalived uses /32 or /128, and so does the reader.</param>
/// <param name="Device">The interface to put it on (<c>dev</c>); <see langword="null"/> for the instance's interface.</param>
/// <param name="Label">The address label (<c>label</c>), as <c>eth0:1</c>.</param>
/// <param name="Broadcast">The broadcast address (<c>brd</c>): an IPv4 address, <c>+</c> or <c>-</c>.</param>
/// <param name="Scope">The scope (<c>scope</c>): <c>global</c>, <c>site</c>, <c>link</c>, <c>host</c>, <c>nowhere</c> or a number.</param>
/// <param name="NoTrack">Whether the instance ignores the state of <paramref name="Device"/> (<c>no_track</c>).</param>
public sealed record KeepalivedVirtualAddress(string Address, string? Device = null, string? Label = null, string? Broadcast = null, string? Scope = null, bool NoTrack = false)
{
    /// <summary>Gets the other end of a point-to-point link (<c>peer</c>); <see cref="Address"/> then carries the peer's prefix, as keepalived gives it.</summary>
    public string? Peer { get; init; }

    /// <summary>Gets the <c>track_group</c> of a static address: its instances track the address's interface.</summary>
    public string? TrackGroup { get; init; }

    /// <summary>Gets the preferred lifetime (<c>preferred_lft</c>): <c>forever</c> or seconds; <see langword="null"/> for keepalived's default.</summary>
    public string? PreferredLifetime { get; init; }

    /// <summary>Gets the flag words, in file order: <c>noprefixroute</c>, <c>home</c>, <c>mngtmpaddr</c>, <c>autojoin</c>, <c>-nodad</c>.</summary>
    public IReadOnlyList<string> Flags { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Returns the entry as <see cref="Vrrp.VirtualRouterOptions.VirtualAddresses"/> takes it: the address, then its options.</summary>
    /// <returns>The entry, as <c>198.51.100.10/24 dev lab1 label lab1:web</c>.</returns>
    public string ToOptionsEntry()
    {
        var entry = new System.Text.StringBuilder(Address);
        Append("dev", Device);
        Append("label", Label);
        Append("scope", Scope);
        Append("brd", Broadcast);
        Append("peer", Peer);
        Append("preferred_lft", PreferredLifetime);
        foreach (string flag in Flags)
        {
            entry.Append(' ').Append(flag);
        }

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
