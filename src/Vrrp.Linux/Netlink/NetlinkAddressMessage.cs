using System.Buffers.Binary;
using System.Net.Sockets;
using Vrrp.Addressing;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Encodes RTM_NEWADDR / RTM_DELADDR requests and reads the kernel's acknowledgement (rtnetlink(7), netlink(7)).
/// Netlink headers are in host byte order; addresses in network order.
/// </summary>
/// <remarks>
/// <code>
/// nlmsghdr (16): u32 length | u16 type | u16 flags | u32 sequence | u32 port id
/// ifaddrmsg (8):  u8 family | u8 prefix length | u8 flags | u8 scope | u32 interface index
/// rtattr:         u16 length | u16 type | payload, padded to 4 bytes   (IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST, IFA_LABEL, IFA_PROTO)
/// </code>
/// An address we add carries <see cref="VrrpProtocol"/> in IFA_PROTO (Linux 5.18 and later keep it; older kernels
/// ignore the attribute): that mark is how a restart tells what an earlier run left behind from what an administrator
/// configured.
/// </remarks>
internal static class NetlinkAddressMessage
{
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_GETADDR = 22;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;

    /// <summary>The IFA_PROTO value of the addresses we add: any value above the kernel's own (0 to 3) and not keepalived's (18).</summary>
    public const byte VrrpProtocol = 0x76;

    private const ushort NLM_F_REQUEST = 0x1;
    private const ushort NLM_F_ACK = 0x4;
    private const ushort NLM_F_DUMP = 0x300;
    private const ushort NLM_F_EXCL = 0x200;
    private const ushort NLM_F_CREATE = 0x400;
    private const ushort IFA_ADDRESS = 1;
    private const ushort IFA_LOCAL = 2;
    private const ushort IFA_LABEL = 3;
    private const ushort IFA_BROADCAST = 4;
    private const ushort IFA_CACHEINFO = 6;
    private const ushort IFA_FLAGS = 8;
    private const ushort IFA_PROTO = 11;
    private const uint IFA_F_NODAD = 0x02;
    private const byte AF_INET = 2;
    private const byte AF_INET6 = 10;

    /// <summary>
    /// Writes a request. Adding never replaces an address that is there (NLM_F_EXCL: the kernel answers EEXIST), so an
    /// address configured by someone else is never taken over and marked ours.
    /// </summary>
    public static int Write(Span<byte> destination, ushort type, uint sequence, int interfaceIndex, VirtualAddress address, AddressPlacement placement)
    {
        string? label = placement.Label;
        bool v6 = address.Address.Family == AddressFamily.InterNetworkV6;
        int offset = 16;
        destination[offset] = v6 ? AF_INET6 : AF_INET;
        destination[offset + 1] = address.PrefixLength;
        // A virtual IPv6 address is usable at once, as keepalived adds it, unless -nodad asks for detection.
        uint addressFlags = (uint)placement.Behaviors | (v6 && !placement.DuplicateAddressDetection ? IFA_F_NODAD : 0u);
        destination[offset + 2] = (byte)addressFlags;
        destination[offset + 3] = v6 ? (byte)0 : (byte)placement.Scope; // IPv6 addresses are global (RT_SCOPE_UNIVERSE)
        BinaryPrimitives.WriteInt32LittleEndian(destination[(offset + 4)..], interfaceIndex);
        offset += 8;
        offset = WriteAddressAttribute(destination, offset, IFA_LOCAL, address);
        offset = placement.Peer.Length == 0
            ? WriteAddressAttribute(destination, offset, IFA_ADDRESS, address)
            : WriteAddressAttribute(destination, offset, IFA_ADDRESS, new VirtualAddress(placement.Peer, address.PrefixLength)); // the other end
        if (!v6 && type == RTM_NEWADDR && placement.Broadcast.Length == 4)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], 8);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], IFA_BROADCAST);
            placement.Broadcast.WriteTo(destination[(offset + 4)..]);
            offset += 8;
        }

        if (!v6 && type == RTM_NEWADDR && !string.IsNullOrEmpty(label))
        {
            int length = 4 + label.Length + 1;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], (ushort)length);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], IFA_LABEL);
            System.Text.Encoding.ASCII.GetBytes(label, destination[(offset + 4)..]);
            destination[offset + 4 + label.Length] = 0;
            offset += Align(length);
        }

        // keepalived's default for an IPv6 /128 virtual address: preferred lifetime 0 (deprecated), so that the host
        // never picks the address that moves with mastership as the source of its own connections (RFC 3484); or the
        // preferred_lft configured. IPv4 addresses have no lifetimes here, as keepalived sets none.
        uint preferred = placement.PreferredLifetime ?? (address.PrefixLength == 128 ? 0u : uint.MaxValue);
        if (v6 && type == RTM_NEWADDR && preferred != uint.MaxValue)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], 20);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], IFA_CACHEINFO);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + 4)..], preferred); // ifa_prefered
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + 8)..], uint.MaxValue); // ifa_valid: forever
            destination[(offset + 12)..(offset + 20)].Clear(); // cstamp, tstamp
            offset += 20;
        }

        // Flags past the header's 8 bits (noprefixroute, mngtmpaddr, autojoin) go in IFA_FLAGS, which then stands for all.
        if (type == RTM_NEWADDR && addressFlags > 0xFF)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], 8);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], IFA_FLAGS);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + 4)..], addressFlags);
            offset += 8;
        }

        if (type == RTM_NEWADDR)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], 5);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], IFA_PROTO);
            destination[offset + 4] = VrrpProtocol;
            destination[(offset + 5)..(offset + 8)].Clear();
            offset += 8;
        }

        ushort flags = type == RTM_NEWADDR ? (ushort)(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL) : (ushort)(NLM_F_REQUEST | NLM_F_ACK);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)offset);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        return offset;
    }

    /// <summary>Writes a request for every address of one family (RTM_GETADDR, dump).</summary>
    public static int WriteDump(Span<byte> destination, uint sequence, AddressFamily family)
    {
        destination[..24].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, 24);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], RTM_GETADDR);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], NLM_F_REQUEST | NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sequence);
        destination[16] = family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        return 24;
    }

    /// <summary>
    /// Reads one RTM_NEWADDR message of a dump: the interface, the address (IFA_LOCAL, else IFA_ADDRESS), its prefix
    /// length and its IFA_PROTO (0 when absent).
    /// </summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> payload, out int interfaceIndex, out VirtualAddress address, out byte protocol) =>
        TryReadAddress(payload, out interfaceIndex, out address, out protocol, out _);

    /// <summary>Reads as the other overload does, and the peer: IFA_ADDRESS when it differs from IFA_LOCAL (a point-to-point address), else empty.</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> payload, out int interfaceIndex, out VirtualAddress address, out byte protocol, out Vrrp.Packets.PackedIPAddress peer)
    {
        interfaceIndex = 0;
        address = default;
        protocol = 0;
        peer = default;
        Vrrp.Packets.PackedIPAddress local = default, other = default;
        if (payload.Length < 8)
        {
            return false;
        }

        byte prefixLength = payload[1];
        interfaceIndex = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        Vrrp.Packets.PackedIPAddress found = default;
        ReadOnlySpan<byte> attributes = payload[8..];
        while (attributes.Length >= 4)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
            {
                break;
            }

            int size = length - 4;
            if (type == IFA_LOCAL && size is 4 or 16)
            {
                local = Vrrp.Packets.PackedIPAddress.FromBytes(attributes.Slice(4, size));
            }
            else if (type == IFA_ADDRESS && size is 4 or 16)
            {
                other = Vrrp.Packets.PackedIPAddress.FromBytes(attributes.Slice(4, size));
            }
            else if (type == IFA_PROTO && size >= 1)
            {
                protocol = attributes[4];
            }

            attributes = attributes[Math.Min(attributes.Length, Align(length))..];
        }

        found = local.Length != 0 ? local : other;
        if (found.Length == 0)
        {
            return false;
        }

        peer = local.Length != 0 && other.Length != 0 && local != other ? other : default;
        address = new VirtualAddress(found, prefixLength);
        return true;
    }

    /// <summary>
    /// Sends one request and reads until its acknowledgement: 0 or the (positive) errno. Messages for other sequences
    /// (the late answer of a request that timed out) are passed over. Socket errors propagate.
    /// </summary>
    public static int Exchange(System.Net.Sockets.Socket socket, ReadOnlySpan<byte> request, byte[] response, uint sequence)
    {
        socket.Send(request);
        while (true)
        {
            int received = socket.Receive(response);
            if (TryReadAck(response.AsSpan(0, received), sequence, out int error))
            {
                return -error;
            }
        }
    }

    /// <summary>Reads the acknowledgement of request <paramref name="sequence"/>: 0, or a negative errno.</summary>
    /// <returns><see langword="false"/> when the bytes hold no acknowledgement for that sequence.</returns>
    public static bool TryReadAck(ReadOnlySpan<byte> response, uint sequence, out int error)
    {
        error = 0;
        while (response.Length >= 16)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(response);
            if (length < 16 || length > response.Length)
            {
                return false;
            }

            if (BinaryPrimitives.ReadUInt16LittleEndian(response[4..]) == NLMSG_ERROR && BinaryPrimitives.ReadUInt32LittleEndian(response[8..]) == sequence && length >= 20)
            {
                error = BinaryPrimitives.ReadInt32LittleEndian(response[16..]);
                return true;
            }

            response = response[Math.Min(Align((int)length), response.Length)..];
        }

        return false;
    }

    private static int WriteAddressAttribute(Span<byte> destination, int offset, ushort type, VirtualAddress address)
    {
        int length = 4 + address.Address.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], type);
        address.Address.WriteTo(destination[(offset + 4)..]);
        return offset + Align(length);
    }

    private static int Align(int length) => (length + 3) & ~3;
}
