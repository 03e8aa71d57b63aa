namespace Vrrp.Packets;

/// <summary>
/// What the IPv4 header (and an Authentication Header, if any) of a received datagram says: read and checked once,
/// where the datagram arrives, so that finding its router and validating its advertisement read the header no more.
/// </summary>
/// <remarks>Made only by <see cref="VrrpDatagram.TryReadIPv4Header"/>, so a valid one always describes a checked header; <c>default</c> means "not read".</remarks>
public readonly struct IPv4Envelope
{
    /// <summary>Gets a value indicating whether the header was read and passed every check.</summary>
    public bool IsValid { get; internal init; }

    /// <summary>Gets the IP source address.</summary>
    public PackedIPAddress Source { get; internal init; }

    /// <summary>Gets the IP destination address.</summary>
    public PackedIPAddress Destination { get; internal init; }

    /// <summary>Gets the TTL.</summary>
    public byte TimeToLive { get; internal init; }

    /// <summary>Gets the datagram's total length from its header: the bytes past it are padding.</summary>
    public int TotalLength { get; internal init; }

    /// <summary>Gets where the VRRP message starts: after the IPv4 header and the AH, if any.</summary>
    public int MessageOffset { get; internal init; }

    /// <summary>Gets a value indicating whether the message came inside an IP Authentication Header.</summary>
    public bool HasAuthenticationHeader { get; internal init; }

    /// <summary>Gets the AH sequence number.</summary>
    public uint AuthenticationSequence { get; internal init; }
}
