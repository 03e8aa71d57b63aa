namespace Vrrp.Packets;

/// <summary>An advertisement that passed every check that can be made on the packet alone, with what the IP layer said about it.</summary>
public readonly ref struct ReceivedAdvertisement
{
    /// <summary>Gets the VRRP message.</summary>
    public VrrpPacket Packet { get; init; }

    /// <summary>Gets the IP source address: the sender's primary address, used in the tie-break (RFC 9568 §6.4.3).</summary>
    public PackedIPAddress Source { get; init; }

    /// <summary>Gets the IP destination address: the VRRP group, or ours for unicast.</summary>
    public PackedIPAddress Destination { get; init; }

    /// <summary>Gets the IPv4 TTL or IPv6 hop limit.</summary>
    public byte HopLimit { get; init; }

    /// <summary>Gets the checksum form the sender used.</summary>
    public VrrpChecksumForm ChecksumForm { get; init; }

    /// <summary>Gets a value indicating whether the packet came inside an IP Authentication Header.</summary>
    public bool HasAuthenticationHeader { get; init; }

    /// <summary>Gets the AH sequence number, for the replay check that needs the previous one from this sender.</summary>
    public uint AuthenticationSequence { get; init; }
}
