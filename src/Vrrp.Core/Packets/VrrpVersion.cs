namespace Vrrp.Packets;

/// <summary>The VRRP protocol version carried in the high nibble of the first byte of every advertisement.</summary>
public enum VrrpVersion : byte
{
    /// <summary>VRRPv2, RFC 3768: IPv4 only, intervals in seconds, an 8-byte authentication field.</summary>
    V2 = 2,

    /// <summary>VRRPv3, RFC 9568 (obsoleting RFC 5798): IPv4 and IPv6, intervals in centiseconds.</summary>
    V3 = 3,
}
