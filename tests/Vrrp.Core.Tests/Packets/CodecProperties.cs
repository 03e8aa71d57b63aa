using System.Net.Sockets;
using FsCheck;
using FsCheck.Xunit;
using Vrrp.Packets;
using Vrrp.Tests.Support;

namespace Vrrp.Tests.Packets;

/// <summary>Invariants of the codec over generated inputs.</summary>
public sealed class CodecProperties
{
    private static readonly VrrpAuthentication[] s_authentications = [VrrpAuthentication.None, Adverts.Password, Adverts.Ah];

    [Property(MaxTest = 300)]
    public void Encode_then_decode_is_the_identity_for_v3_IPv4(byte vrid, byte priority, ushort interval, uint[] addressSeed, bool messageOnly, ushort identification)
    {
        byte[] addresses = Addresses(addressSeed, 4);
        ushort adverInt = (ushort)(1 + (interval % VrrpPacket.MaxV3Interval));
        var packet = new VrrpPacket(VrrpVersion.V3, vrid, priority, adverInt, AddressFamily.InterNetwork, addresses);
        VrrpChecksumForm form = messageOnly ? VrrpChecksumForm.MessageOnly : VrrpChecksumForm.PseudoHeader;
        byte[] datagram = new byte[2048];
        Assert.True(VrrpDatagram.TryWriteIPv4(datagram, packet, Adverts.Source4, Adverts.Group4, identification, form, null, 0, out int length));

        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram.AsSpan(0, length), new VrrpReceivePolicy(VrrpVersion.V3), out ReceivedAdvertisement read));
        AssertSame(packet, read.Packet);
        Assert.Equal(form, read.ChecksumForm);
        Assert.Equal(Adverts.Source4, read.Source);
    }

    [Property(MaxTest = 300)]
    public void Encode_then_decode_is_the_identity_for_v3_IPv6(byte vrid, byte priority, ushort interval, uint[] addressSeed)
    {
        byte[] addresses = Addresses(addressSeed, 16);
        var packet = new VrrpPacket(VrrpVersion.V3, vrid, priority, (ushort)(1 + (interval % VrrpPacket.MaxV3Interval)), AddressFamily.InterNetworkV6, addresses);
        byte[] message = new byte[packet.Length];
        Assert.True(packet.TryWrite(message, VrrpChecksumForm.PseudoHeader, Adverts.Source6, Adverts.Group6, out _));

        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv6(message, Adverts.Source6, Adverts.Group6, 255, new VrrpReceivePolicy(VrrpVersion.V3), out ReceivedAdvertisement read));
        AssertSame(packet, read.Packet);
    }

    [Property(MaxTest = 300)]
    public void Encode_then_decode_is_the_identity_for_v2_with_every_authentication(byte vrid, byte priority, byte interval, uint[] addressSeed, byte authIndex, uint sequence)
    {
        byte[] addresses = Addresses(addressSeed, 4);
        VrrpAuthentication authentication = s_authentications[authIndex % s_authentications.Length];
        var packet = new VrrpPacket(VrrpVersion.V2, vrid, priority, (byte)Math.Max((byte)1, interval), AddressFamily.InterNetwork, addresses);
        byte[] datagram = new byte[2048];
        Assert.True(VrrpDatagram.TryWriteIPv4(datagram, packet, Adverts.Source4, Adverts.Group4, 9, default, authentication, sequence, out int length));

        Assert.Equal(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram.AsSpan(0, length), new VrrpReceivePolicy(VrrpVersion.V2, authentication), out ReceivedAdvertisement read));
        Assert.Equal(packet.VirtualRouterId, read.Packet.VirtualRouterId);
        Assert.Equal(packet.Priority, read.Packet.Priority);
        Assert.Equal(packet.AdvertisementInterval, read.Packet.AdvertisementInterval);
        Assert.Equal(authentication.Type, read.Packet.AuthenticationType);
        Assert.Equal(Hex.Of(addresses), Hex.Of(read.Packet.Addresses));
        Assert.Equal(authentication.Type == VrrpAuthenticationType.IPAuthenticationHeader ? sequence : 0u, read.AuthenticationSequence);
    }

    [Property(MaxTest = 2000)]
    public void Decoding_arbitrary_bytes_never_throws(byte[] bytes, byte hopLimit)
    {
        _ = VrrpDatagram.TryReadIPv4(bytes, new VrrpReceivePolicy(VrrpVersion.V3), out _);
        _ = VrrpDatagram.TryReadIPv4(bytes, new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Ah), out _);
        _ = VrrpDatagram.TryReadIPv4(bytes, new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Password), out _);
        _ = VrrpDatagram.TryReadIPv6(bytes, Adverts.Source6, Adverts.Group6, hopLimit, new VrrpReceivePolicy(VrrpVersion.V3) { RequireIPv6LinkLocalFirst = true }, out _);
        _ = VrrpPacket.TryRead(bytes, AddressFamily.InterNetwork, out _);
        _ = IPv4Header.TryRead(bytes, out _);
        _ = AuthenticationHeader.TryRead(bytes, out _, out _, out _);
    }

    [Property(MaxTest = 1000)]
    public void Rewriting_the_identification_gives_the_datagram_written_with_it(byte priority, uint[] addressSeed, ushort first, ushort next, bool v2)
    {
        // A master sends its last advertisement again with only the identification rewritten (RFC 1624 update of the
        // header checksum): byte for byte what a fresh write with the new identification gives.
        VrrpVersion version = v2 ? VrrpVersion.V2 : VrrpVersion.V3;
        var packet = new VrrpPacket(version, 7, priority, 1, AddressFamily.InterNetwork, Addresses(addressSeed, 4));
        VrrpAuthentication? authentication = v2 ? Adverts.Password : null;
        byte[] resent = new byte[2048];
        byte[] fresh = new byte[2048];
        Assert.True(VrrpDatagram.TryWriteIPv4(resent, packet, Adverts.Source4, Adverts.Group4, first, VrrpChecksumForm.PseudoHeader, authentication, 0, out int length));
        Assert.True(VrrpDatagram.TryWriteIPv4(fresh, packet, Adverts.Source4, Adverts.Group4, next, VrrpChecksumForm.PseudoHeader, authentication, 0, out _));

        IPv4Header.RewriteIdentification(resent, next);

        Assert.Equal(Hex.Of(fresh.AsSpan(0, length)), Hex.Of(resent.AsSpan(0, length)));
        Assert.True(IPv4Header.VerifyHeaderChecksum(resent));
    }

    [Property(MaxTest = 2000)]
    public void Arbitrary_bytes_behind_a_valid_ip_header_never_throw(byte[] payload, bool ah)
    {
        // Reach past the IP header checks: a correct header (protocol 112 or 51) in front of random bytes.
        byte[] datagram = new byte[20 + payload.Length];
        payload.CopyTo(datagram, 20);
        var header = new IPv4Header
        {
            TotalLength = (ushort)Math.Min(datagram.Length, ushort.MaxValue),
            TimeToLive = 255,
            Protocol = ah ? AuthenticationHeader.IPProtocol : VrrpPacket.IPProtocol,
            Source = Adverts.Source4,
            Destination = Adverts.Group4,
        };
        Assert.True(header.TryWrite(datagram, out _));
        _ = VrrpDatagram.TryReadIPv4(datagram, new VrrpReceivePolicy(VrrpVersion.V3), out _);
        _ = VrrpDatagram.TryReadIPv4(datagram, new VrrpReceivePolicy(VrrpVersion.V2, Adverts.Ah), out _);
    }

    [Property(MaxTest = 100)]
    public void Every_truncation_of_a_valid_packet_is_rejected(byte authIndex, byte addressCount)
    {
        VrrpAuthentication authentication = s_authentications[authIndex % s_authentications.Length];
        byte[] datagram = Adverts.IPv4(VrrpVersion.V2, authentication: authentication, addresses: 1 + (addressCount % 20));
        var policy = new VrrpReceivePolicy(VrrpVersion.V2, authentication);
        for (int length = 0; length < datagram.Length; length++)
        {
            Assert.NotEqual(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv4(datagram.AsSpan(0, length), policy, out _));
        }

        byte[] message = Adverts.IPv6Message(addresses: 1 + (addressCount % 20));
        for (int length = 0; length < message.Length; length++)
        {
            Assert.NotEqual(VrrpPacketStatus.Valid, VrrpDatagram.TryReadIPv6(message.AsSpan(0, length), Adverts.Source6, Adverts.Group6, 255, new VrrpReceivePolicy(VrrpVersion.V3), out _));
        }
    }

    [Property(MaxTest = 300)]
    public void A_single_byte_mutation_is_rejected_or_decodes_consistently(byte authIndex, byte version, int position, byte value)
    {
        VrrpAuthentication authentication = s_authentications[authIndex % s_authentications.Length];
        VrrpVersion v = version % 2 == 0 ? VrrpVersion.V2 : VrrpVersion.V3;
        byte[] datagram = Adverts.IPv4(v, authentication: v == VrrpVersion.V2 ? authentication : null, addresses: 3);
        int index = (int)((uint)position % (uint)datagram.Length);
        datagram[index] = value;

        var policy = new VrrpReceivePolicy(v, v == VrrpVersion.V2 ? authentication : null);
        if (VrrpDatagram.TryReadIPv4(datagram, policy, out ReceivedAdvertisement read) != VrrpPacketStatus.Valid)
        {
            return;
        }

        // Accepted: then re-encoding what was decoded gives back the received bytes (the mutation was a no-op,
        // or touched only the reserved bits, which are ignored on receive and written as zero).
        byte[] again = new byte[datagram.Length];
        Assert.True(IPv4Header.TryRead(datagram, out IPv4Header ip));
        Assert.True(VrrpDatagram.TryWriteIPv4(again, read.Packet, read.Source, read.Destination, ip.Identification, read.ChecksumForm, policy.Authentication, read.AuthenticationSequence, out int length));
        int messageStart = ip.HeaderLength + (read.HasAuthenticationHeader ? AuthenticationHeader.Length : 0);
        if (v == VrrpVersion.V3)
        {
            datagram[messageStart + 4] &= 0x0F;
        }

        Assert.Equal(Hex.Of(datagram.AsSpan(0, length)), Hex.Of(again.AsSpan(0, length)));
    }

    [Property(MaxTest = 500)]
    public void A_one_bit_flip_is_always_caught_by_the_checksum(int position, byte bit, bool ipv6, bool messageOnly)
    {
        // Under one checksum form a flip of one bit changes the one's complement sum by ±2^k, never by a multiple of 0xFFFF.
        byte[] message = ipv6 ? Adverts.IPv6Message(addresses: 2) : Adverts.IPv4(form: messageOnly ? VrrpChecksumForm.MessageOnly : VrrpChecksumForm.PseudoHeader, addresses: 2)[20..];
        AddressFamily family = ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        PackedIPAddress source = ipv6 ? Adverts.Source6 : Adverts.Source4;
        PackedIPAddress destination = ipv6 ? Adverts.Group6 : Adverts.Group4;
        VrrpChecksumForm form = messageOnly ? VrrpChecksumForm.MessageOnly : VrrpChecksumForm.PseudoHeader;
        int index = (int)((uint)position % (uint)message.Length);
        message[index] ^= (byte)(1 << (bit % 8));

        if (VrrpPacket.TryRead(message, family, out VrrpPacket packet) != VrrpPacketStatus.Valid)
        {
            return; // caught earlier by a structural check
        }

        Assert.NotEqual(packet.Checksum, VrrpPacket.ComputeChecksum(message, VrrpVersion.V3, form, source, destination));
    }

    private static byte[] Addresses(uint[] seed, int length)
    {
        int count = Math.Clamp(seed?.Length ?? 0, 1, 255);
        byte[] addresses = new byte[count * length];
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i] = (byte)((seed is { Length: > 0 } ? seed[(i / 4) % seed.Length] : 7u) >> (8 * (i % 4)));
        }

        return addresses;
    }

    private static void AssertSame(in VrrpPacket expected, in VrrpPacket actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.VirtualRouterId, actual.VirtualRouterId);
        Assert.Equal(expected.Priority, actual.Priority);
        Assert.Equal(expected.AddressCount, actual.AddressCount);
        Assert.Equal(expected.AdvertisementInterval, actual.AdvertisementInterval);
        Assert.Equal(Hex.Of(expected.Addresses), Hex.Of(actual.Addresses));
    }
}
