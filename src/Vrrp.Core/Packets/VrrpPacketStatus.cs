namespace Vrrp.Packets;

/// <summary>
/// The outcome of reading and validating a received advertisement. Every value but <see cref="Valid"/> is a reason
/// to discard the packet, named after the RFC 8347 statistics that count it.
/// </summary>
public enum VrrpPacketStatus : byte
{
    /// <summary>The packet passed every check.</summary>
    Valid = 0,

    /// <summary>Too short for its header, its address count, or its authentication data (RFC 8347 packet-length-errors).</summary>
    PacketLength,

    /// <summary>The version is not the one configured, or VRRPv2 arrived over IPv6 (RFC 8347 version-errors).</summary>
    Version,

    /// <summary>The type is not 1, Advertisement (RFC 9568 §5.2.2; RFC 8347 invalid-type-pkts-rcvd).</summary>
    InvalidType,

    /// <summary>The address count is zero (RFC 9568 §5.2.5, erratum 8299; RFC 8347 address-list-errors).</summary>
    AddressCount,

    /// <summary>The advertisement interval is zero (erratum 8301), or differs from ours in VRRPv2 (RFC 3768 §7.1; RFC 8347 interval-errors).</summary>
    Interval,

    /// <summary>The checksum does not match in any accepted form (RFC 8347 checksum-errors).</summary>
    Checksum,

    /// <summary>The IPv4 TTL or IPv6 hop limit is not 255 (RFC 9568 §7.1; RFC 8347 ip-ttl-errors).</summary>
    IPTtl,

    /// <summary>The IP header is malformed, or carries a protocol other than 112 (VRRP) or 51 (AH).</summary>
    IPHeader,

    /// <summary>The authentication type differs from the one configured (RFC 3768 §7.1, RFC 2338 §5.3.6).</summary>
    AuthenticationType,

    /// <summary>The password or the AH integrity check value does not match (RFC 2338 §5.3.6).</summary>
    AuthenticationFailure,

    /// <summary>An AH sequence number at or below the last one accepted from that sender (RFC 2402 §3.4.3).</summary>
    AuthenticationReplay,

    /// <summary>No virtual router with this VRID is configured on the receiving interface (RFC 8347 vrid-errors).</summary>
    VirtualRouterId,

    /// <summary>
    /// The address list is malformed (an IPv6 list not starting with a link-local address, erratum 8300) or, in
    /// VRRPv2, differs from ours (RFC 3768 §7.1; RFC 8347 address-list-errors).
    /// </summary>
    AddressList,

    /// <summary>A unicast advertisement from a source that is not a configured peer.</summary>
    UnknownPeer,
}
