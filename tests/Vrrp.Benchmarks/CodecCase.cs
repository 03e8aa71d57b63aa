namespace Vrrp.Benchmarks;

/// <summary>The advertisements the codec benchmarks decode and encode.</summary>
public enum CodecCase
{
    /// <summary>VRRPv3 over IPv4, one virtual address, pseudo-header checksum (keepalived's form).</summary>
    V3IPv4OneAddress,

    /// <summary>VRRPv3 over IPv6, one virtual address, from a link-local source to ff02::12.</summary>
    V3IPv6OneAddress,

    /// <summary>VRRPv2 with a simple password ("labpass").</summary>
    V2Password,

    /// <summary>VRRPv2 inside an IP Authentication Header (HMAC-MD5-96, key "labpass").</summary>
    V2AuthenticationHeader,

    /// <summary>VRRPv3 over IPv4 with twenty virtual addresses.</summary>
    V3IPv4TwentyAddresses,
}
