using System.Buffers.Binary;
using System.Net.Sockets;

namespace Vrrp.Packets;

/// <summary>
/// Reads advertisements as raw sockets deliver them and writes them as raw sockets send them, applying every receive
/// check of RFC 9568 §7.1 and RFC 3768 §7.1 that the packet alone allows. Nothing here throws on received bytes.
/// </summary>
/// <remarks>
/// The checks that need a virtual router (VRID configured, owner, interval and address list against ours, AH replay)
/// are made by the router, which has that state.
/// </remarks>
public static class VrrpDatagram
{
    /// <summary>The TTL and hop limit VRRP sends and requires (RFC 9568 §5.1.1.3, §5.1.2.3, §7.1).</summary>
    public const byte RequiredHopLimit = 255;

    /// <summary>Reads an IPv4 datagram, header first, as an <c>AF_INET</c> raw socket delivers it.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="policy">What the receiver expects.</param>
    /// <param name="advertisement">The advertisement, when the result is <see cref="VrrpPacketStatus.Valid"/>.</param>
    /// <returns>Why the packet must be discarded, or <see cref="VrrpPacketStatus.Valid"/>.</returns>
    public static VrrpPacketStatus TryReadIPv4(ReadOnlySpan<byte> datagram, in VrrpReceivePolicy policy, out ReceivedAdvertisement advertisement)
    {
        VrrpPacketStatus status = TryReadIPv4Header(datagram, out IPv4Envelope envelope);
        if (status != VrrpPacketStatus.Valid)
        {
            advertisement = default;
            return status;
        }

        return TryReadIPv4(datagram, envelope, policy, out advertisement);
    }

    /// <summary>
    /// Reads and checks an IPv4 datagram's header, and its Authentication Header if it has one: once per datagram,
    /// where it arrives (<see cref="Transport.AdvertisementDispatcher"/>).
    /// </summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="envelope">What the headers say, when the result is <see cref="VrrpPacketStatus.Valid"/>.</param>
    /// <returns><see cref="VrrpPacketStatus.IPHeader"/> when a header is malformed or the protocol is neither VRRP nor AH over VRRP.</returns>
    public static VrrpPacketStatus TryReadIPv4Header(ReadOnlySpan<byte> datagram, out IPv4Envelope envelope)
    {
        envelope = default;

        // The header is read field by field rather than through IPv4Header: this is the hot path, and only five
        // fields matter. The kernel checks the header checksum before a raw socket sees the datagram; checking again
        // costs 20 bytes of summing and holds datagrams from elsewhere (the in-memory network, replays) to the same rules.
        if (datagram.Length < IPv4Header.MinimumLength || (datagram[0] >> 4) != 4)
        {
            return VrrpPacketStatus.IPHeader;
        }

        int headerLength = (datagram[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (headerLength < IPv4Header.MinimumLength || totalLength < headerLength || totalLength > datagram.Length
            || (BinaryPrimitives.ReadUInt16BigEndian(datagram[6..]) & 0x3FFF) != 0
            || InternetChecksum.Compute(datagram[..headerLength]) != 0)
        {
            return VrrpPacketStatus.IPHeader;
        }

        byte protocol = datagram[9];
        int messageOffset = headerLength;
        bool hasAh = protocol == AuthenticationHeader.IPProtocol;
        uint sequence = 0;
        if (hasAh)
        {
            if (!AuthenticationHeader.TryRead(datagram[headerLength..totalLength], out byte next, out _, out sequence) || next != VrrpPacket.IPProtocol)
            {
                return VrrpPacketStatus.IPHeader;
            }

            messageOffset += AuthenticationHeader.Length;
        }
        else if (protocol != VrrpPacket.IPProtocol)
        {
            return VrrpPacketStatus.IPHeader;
        }

        envelope = new IPv4Envelope
        {
            IsValid = true,
            Source = PackedIPAddress.FromBytes(datagram.Slice(12, 4)),
            Destination = PackedIPAddress.FromBytes(datagram.Slice(16, 4)),
            TimeToLive = datagram[8],
            TotalLength = totalLength,
            MessageOffset = messageOffset,
            HasAuthenticationHeader = hasAh,
            AuthenticationSequence = sequence,
        };
        return VrrpPacketStatus.Valid;
    }

    /// <summary>Reads the advertisement of an IPv4 datagram whose headers <see cref="TryReadIPv4Header"/> read already.</summary>
    /// <param name="datagram">The datagram, header first.</param>
    /// <param name="envelope">What its headers say; not valid gives <see cref="VrrpPacketStatus.IPHeader"/>.</param>
    /// <param name="policy">What the receiver expects.</param>
    /// <param name="advertisement">The advertisement, when the result is <see cref="VrrpPacketStatus.Valid"/>.</param>
    /// <returns>Why the packet must be discarded, or <see cref="VrrpPacketStatus.Valid"/>.</returns>
    public static VrrpPacketStatus TryReadIPv4(ReadOnlySpan<byte> datagram, scoped in IPv4Envelope envelope, in VrrpReceivePolicy policy, out ReceivedAdvertisement advertisement)
    {
        advertisement = default;
        if (!envelope.IsValid || envelope.TotalLength > datagram.Length || envelope.MessageOffset > envelope.TotalLength)
        {
            return VrrpPacketStatus.IPHeader;
        }

        datagram = datagram[..envelope.TotalLength];
        VrrpPacketStatus status = ValidateMessage(datagram[envelope.MessageOffset..], AddressFamily.InterNetwork, envelope.Source, envelope.Destination, envelope.TimeToLive, policy, out VrrpPacket packet, out VrrpChecksumForm form);
        if (status != VrrpPacketStatus.Valid)
        {
            return status;
        }

        status = CheckAuthentication(datagram, packet, envelope.HasAuthenticationHeader, policy.Authentication);
        if (status != VrrpPacketStatus.Valid)
        {
            return status;
        }

        advertisement = new ReceivedAdvertisement
        {
            Packet = packet,
            Source = envelope.Source,
            Destination = envelope.Destination,
            HopLimit = envelope.TimeToLive,
            ChecksumForm = form,
            HasAuthenticationHeader = envelope.HasAuthenticationHeader,
            AuthenticationSequence = envelope.AuthenticationSequence,
        };
        return VrrpPacketStatus.Valid;
    }

    /// <summary>Reads a VRRP message as an <c>AF_INET6</c> raw socket delivers it: without the IPv6 header, whose fields come from ancillary data.</summary>
    /// <param name="message">The VRRP message.</param>
    /// <param name="source">The IPv6 source address.</param>
    /// <param name="destination">The IPv6 destination address (from <c>IPV6_PKTINFO</c>).</param>
    /// <param name="hopLimit">The hop limit (from <c>IPV6_HOPLIMIT</c>).</param>
    /// <param name="policy">What the receiver expects.</param>
    /// <param name="advertisement">The advertisement, when the result is <see cref="VrrpPacketStatus.Valid"/>.</param>
    /// <returns>Why the packet must be discarded, or <see cref="VrrpPacketStatus.Valid"/>.</returns>
    public static VrrpPacketStatus TryReadIPv6(ReadOnlySpan<byte> message, PackedIPAddress source, PackedIPAddress destination, byte hopLimit, in VrrpReceivePolicy policy, out ReceivedAdvertisement advertisement)
    {
        advertisement = default;
        if (source.Length != 16 || destination.Length != 16)
        {
            return VrrpPacketStatus.IPHeader;
        }

        VrrpPacketStatus status = ValidateMessage(message, AddressFamily.InterNetworkV6, source, destination, hopLimit, policy, out VrrpPacket packet, out VrrpChecksumForm form);
        if (status != VrrpPacketStatus.Valid)
        {
            return status;
        }

        advertisement = new ReceivedAdvertisement
        {
            Packet = packet,
            Source = source,
            Destination = destination,
            HopLimit = hopLimit,
            ChecksumForm = form,
        };
        return VrrpPacketStatus.Valid;
    }

    /// <summary>
    /// Writes a whole IPv4 datagram: header (TOS CS6, TTL 255, protocol 112, or 51 with AH), the AH when the method
    /// is <see cref="VrrpAuthenticationType.IPAuthenticationHeader"/>, and the message with its checksum.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The advertisement. Its authentication fields are set here from <paramref name="authentication"/>.</param>
    /// <param name="source">The sender's primary IPv4 address.</param>
    /// <param name="destinationAddress">224.0.0.18, or a unicast peer.</param>
    /// <param name="identification">The IP identification.</param>
    /// <param name="checksumForm">The VRRPv3 checksum form.</param>
    /// <param name="authentication">The VRRPv2 authentication, or <see langword="null"/>.</param>
    /// <param name="authenticationSequence">The AH sequence number for this datagram.</param>
    /// <param name="bytesWritten">The datagram's length.</param>
    /// <returns><see langword="false"/> when the destination is too small or the packet cannot be encoded.</returns>
    public static bool TryWriteIPv4(
        Span<byte> destination,
        in VrrpPacket packet,
        PackedIPAddress source,
        PackedIPAddress destinationAddress,
        ushort identification,
        VrrpChecksumForm checksumForm,
        VrrpAuthentication? authentication,
        uint authenticationSequence,
        out int bytesWritten) =>
        TryWriteIPv4(destination, packet, source, destinationAddress, identification, checksumForm, authentication, authenticationSequence, RequiredHopLimit, out bytesWritten);

    /// <summary>
    /// Writes a whole IPv4 datagram as the other overload does, with a TTL of the caller's: unicast advertisements may
    /// cross routers (keepalived's <c>unicast_ttl</c>); the RFC's 255 is what a multicast advertisement must carry.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="packet">The advertisement. Its authentication fields are set here from <paramref name="authentication"/>.</param>
    /// <param name="source">The sender's primary IPv4 address.</param>
    /// <param name="destinationAddress">224.0.0.18, or a unicast peer.</param>
    /// <param name="identification">The IP identification.</param>
    /// <param name="checksumForm">The VRRPv3 checksum form.</param>
    /// <param name="authentication">The VRRPv2 authentication, or <see langword="null"/>.</param>
    /// <param name="authenticationSequence">The AH sequence number for this datagram.</param>
    /// <param name="timeToLive">The IP header's TTL.</param>
    /// <param name="bytesWritten">The datagram's length.</param>
    /// <returns><see langword="false"/> when the destination is too small or the packet cannot be encoded.</returns>
    public static bool TryWriteIPv4(
        Span<byte> destination,
        in VrrpPacket packet,
        PackedIPAddress source,
        PackedIPAddress destinationAddress,
        ushort identification,
        VrrpChecksumForm checksumForm,
        VrrpAuthentication? authentication,
        uint authenticationSequence,
        byte timeToLive,
        out int bytesWritten)
    {
        bytesWritten = 0;
        authentication ??= VrrpAuthentication.None;
        bool isV2 = packet.Version == VrrpVersion.V2;
        bool hasAh = isV2 && authentication.Type == VrrpAuthenticationType.IPAuthenticationHeader;
        int offset = IPv4Header.MinimumLength + (hasAh ? AuthenticationHeader.Length : 0);
        if (destination.Length < offset + packet.Length || source.Length != 4)
        {
            return false;
        }

        VrrpPacket message = isV2
            ? new VrrpPacket(packet.Version, packet.VirtualRouterId, packet.Priority, packet.AdvertisementInterval, AddressFamily.InterNetwork, packet.Addresses, authentication.Type,
                authentication.Type == VrrpAuthenticationType.SimplePassword ? authentication.Key : default)
            : packet;
        if (!message.TryWrite(destination[offset..], checksumForm, source, destinationAddress, out int messageLength))
        {
            return false;
        }

        var header = new IPv4Header
        {
            TypeOfService = IPv4Header.NetworkControlTos,
            TotalLength = (ushort)(offset + messageLength),
            Identification = identification,
            TimeToLive = timeToLive,
            Protocol = hasAh ? AuthenticationHeader.IPProtocol : VrrpPacket.IPProtocol,
            Source = source,
            Destination = destinationAddress,
        };
        if (!header.TryWrite(destination, out _))
        {
            return false;
        }

        bytesWritten = offset + messageLength;
        if (hasAh)
        {
            Span<byte> sourceBytes = stackalloc byte[4];
            source.WriteTo(sourceBytes);
            AuthenticationHeader.Write(destination[IPv4Header.MinimumLength..], BinaryPrimitives.ReadUInt32BigEndian(sourceBytes), authenticationSequence);
            return AuthenticationHeader.Sign(destination[..bytesWritten], authentication.Key);
        }

        return true;
    }

    private static VrrpPacketStatus ValidateMessage(
        ReadOnlySpan<byte> message,
        AddressFamily family,
        PackedIPAddress source,
        PackedIPAddress destination,
        byte hopLimit,
        in VrrpReceivePolicy policy,
        out VrrpPacket packet,
        out VrrpChecksumForm form)
    {
        form = default;

        // RFC 9568 §7.1: "MUST verify that the IPv4 TTL or IPv6 Hop Limit is 255."
        if (policy.AcceptAnyHopLimit ? hopLimit < policy.MinimumHopLimit || hopLimit > policy.MaximumHopLimit : hopLimit != RequiredHopLimit)
        {
            packet = default;
            return VrrpPacketStatus.IPTtl;
        }

        VrrpPacketStatus status = VrrpPacket.TryRead(message, family, out packet);
        if (status != VrrpPacketStatus.Valid)
        {
            return status;
        }

        // RFC 9568 §7.1: "MUST verify that the VRRP version is 3"; RFC 3768 §7.1 likewise with 2.
        if (packet.Version != policy.Version)
        {
            return VrrpPacketStatus.Version;
        }

        // RFC 9568 §7.1, RFC 3768 §7.1: "MUST verify the VRRP checksum."
        if (!packet.VerifyChecksum(message, source, destination, out form))
        {
            return VrrpPacketStatus.Checksum;
        }

        // RFC 9568 §5.2.9 and erratum 8300: an IPv6 address list starts with the link-local address.
        if (family == AddressFamily.InterNetworkV6 && policy.RequireIPv6LinkLocalFirst && !packet.GetAddress(0).IsIPv6LinkLocal)
        {
            return VrrpPacketStatus.AddressList;
        }

        return VrrpPacketStatus.Valid;
    }

    private static VrrpPacketStatus CheckAuthentication(ReadOnlySpan<byte> datagram, in VrrpPacket packet, bool hasAh, VrrpAuthentication authentication)
    {
        if (packet.Version != VrrpVersion.V2)
        {
            return hasAh ? VrrpPacketStatus.AuthenticationType : VrrpPacketStatus.Valid;
        }

        // RFC 2338 §5.3.6 / RFC 3768 §7.1: the Auth Type must match the one configured, and the AH must be present exactly when it says AH.
        bool wantsAh = authentication.Type == VrrpAuthenticationType.IPAuthenticationHeader;
        if (packet.AuthenticationType != authentication.Type || hasAh != wantsAh)
        {
            return VrrpPacketStatus.AuthenticationType;
        }

        return authentication.Type switch
        {
            // Both sides are exactly eight bytes: one 64-bit comparison is as constant-time as FixedTimeEquals and ~50x cheaper.
            VrrpAuthenticationType.SimplePassword when BinaryPrimitives.ReadUInt64LittleEndian(packet.AuthenticationData) != BinaryPrimitives.ReadUInt64LittleEndian(authentication.Key) => VrrpPacketStatus.AuthenticationFailure,
            VrrpAuthenticationType.IPAuthenticationHeader when !AuthenticationHeader.Verify(datagram, authentication.Key) => VrrpPacketStatus.AuthenticationFailure,
            _ => VrrpPacketStatus.Valid,
        };
    }
}
