namespace Vrrp.Packets;

/// <summary>Why a received announcement (an ARP packet, a neighbour advertisement) tells nothing about where an address lives.</summary>
public enum AnnouncementStatus : byte
{
    /// <summary>Read: an address and the MAC it lives at.</summary>
    Valid = 0,

    /// <summary>Shorter than its fixed part.</summary>
    Truncated,

    /// <summary>ARP for another hardware or protocol (not Ethernet and IPv4), or ICMPv6 other than a neighbour advertisement (type 136, code 0).</summary>
    UnsupportedFormat,

    /// <summary>An ARP operation other than request (1) or reply (2).</summary>
    UnsupportedOperation,

    /// <summary>A neighbour advertisement without the Override flag: it moves no cache entry that has a MAC (RFC 4861 §7.2.5).</summary>
    NoOverride,

    /// <summary>A neighbour advertisement without a target link-layer address option.</summary>
    NoTargetLinkLayerAddress,

    /// <summary>A neighbour discovery option of length 0, or running past the end (RFC 4861 §4.6).</summary>
    MalformedOption,

    /// <summary>A neighbour advertisement whose hop limit was not 255: it did not come from the link (RFC 4861 §7.1.2).</summary>
    HopLimit,
}
