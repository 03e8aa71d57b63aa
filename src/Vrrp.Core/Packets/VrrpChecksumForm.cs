namespace Vrrp.Packets;

/// <summary>Which bytes a VRRP checksum covers.</summary>
/// <remarks>
/// VRRPv2 always sums the message alone and VRRPv3 over IPv6 always includes the IPv6 pseudo-header. VRRPv3 over
/// IPv4 is found in both forms: keepalived, FRR, Wireshark and scapy include the IPv4 pseudo-header (RFC 5798
/// §5.2.8 as they read it), while RFC 9568 §5.2.8, Cisco and Juniper sum the message alone.
/// </remarks>
public enum VrrpChecksumForm : byte
{
    /// <summary>The sum covers the pseudo-header (source, destination, length and protocol 112) and the message.</summary>
    PseudoHeader = 0,

    /// <summary>The sum covers the VRRP message alone.</summary>
    MessageOnly = 1,
}
