namespace Vrrp.Packets;

/// <summary>What a receiver expects of every advertisement, beyond what the RFCs fix.</summary>
public readonly record struct VrrpReceivePolicy
{
    /// <summary>Initializes a policy for a version and an authentication method.</summary>
    /// <param name="version">The version the receiving routers speak.</param>
    /// <param name="authentication">The VRRPv2 authentication configured; <see langword="null"/> for none.</param>
    public VrrpReceivePolicy(VrrpVersion version, VrrpAuthentication? authentication = null)
    {
        Version = version;
        Authentication = authentication ?? VrrpAuthentication.None;
    }

    /// <summary>Gets the version the receiving routers speak; a packet of another version is a <see cref="VrrpPacketStatus.Version"/> error.</summary>
    public VrrpVersion Version { get; init; }

    /// <summary>Gets the VRRPv2 authentication configured.</summary>
    public VrrpAuthentication Authentication { get; init; }

    /// <summary>
    /// Gets a value indicating whether a TTL or hop limit below 255 is accepted. RFC 9568 §7.1 requires 255; keepalived
    /// relaxes it for unicast peers that are routed to. Leave it off unless the peers are not on the link.
    /// </summary>
    public bool AcceptAnyHopLimit { get; init; }

    /// <summary>Gets the lowest TTL or hop limit accepted when <see cref="AcceptAnyHopLimit"/> is set (keepalived's <c>min_ttl</c>); default 0.</summary>
    public byte MinimumHopLimit { get; init; }

    /// <summary>Gets the highest TTL or hop limit accepted when <see cref="AcceptAnyHopLimit"/> is set (keepalived's <c>max_ttl</c>); default 255.</summary>
    public byte MaximumHopLimit { get; init; } = 255;

    /// <summary>
    /// Gets a value indicating whether an IPv6 address list must start with a link-local address (RFC 9568 §5.2.9,
    /// erratum 8300). Off by default: keepalived 2.2.7 sends lists of global addresses only, and a mixed cluster must work.
    /// </summary>
    public bool RequireIPv6LinkLocalFirst { get; init; }
}
