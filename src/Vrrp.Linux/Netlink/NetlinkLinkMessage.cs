using System.Buffers.Binary;
using System.Text;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Encodes the RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK requests that make, configure and remove a macvlan interface,
/// and reads the kernel's answer to RTM_GETLINK (rtnetlink(7), include/uapi/linux/if_link.h). Netlink headers are in
/// host byte order; the MAC in network order.
/// </summary>
/// <remarks>
/// <code>
/// nlmsghdr (16):  u32 length | u16 type | u16 flags | u32 sequence | u32 port id
/// ifinfomsg (16): u8 family | u8 pad | u16 type | s32 index | u32 flags | u32 change
/// rtattr:         u16 length | u16 type | payload, padded to 4 bytes; nested attributes are rtattrs in the payload
///
/// create: IFLA_IFNAME, IFLA_LINK (parent index), IFLA_ADDRESS (MAC),
///         IFLA_LINKINFO { IFLA_INFO_KIND "macvlan", IFLA_INFO_DATA { IFLA_MACVLAN_MODE u32 } }
/// addrgenmode: IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE u8 } }
/// </code>
/// </remarks>
internal static class NetlinkLinkMessage
{
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const uint MACVLAN_MODE_PRIVATE = 1;
    public const byte IN6_ADDR_GEN_MODE_NONE = 1;
    public const byte IN6_ADDR_GEN_MODE_RANDOM = 3;
    private const ushort NLMSG_ERROR = 2;
    private const ushort NLM_F_REQUEST = 0x1;
    private const ushort NLM_F_ACK = 0x4;
    private const ushort NLM_F_EXCL = 0x200;
    private const ushort NLM_F_CREATE = 0x400;
    private const ushort IFLA_ADDRESS = 1;
    private const ushort IFLA_IFNAME = 3;
    private const ushort IFLA_LINK = 5;
    private const ushort IFLA_LINKINFO = 18;
    private const ushort IFLA_AF_SPEC = 26;
    private const ushort IFLA_INFO_KIND = 1;
    private const ushort IFLA_INFO_DATA = 2;
    private const ushort IFLA_MACVLAN_MODE = 1;
    private const ushort IFLA_INET6_ADDR_GEN_MODE = 8;
    private const ushort AF_INET6 = 10;
    private const uint IFF_UP = 0x1;
    private const int HeaderLength = 16 + 16;

    /// <summary>Writes a request that creates a macvlan; it fails with EEXIST when the name is taken (NLM_F_EXCL).</summary>
    public static int WriteCreateMacvlan(Span<byte> destination, uint sequence, string name, int parentIndex, MacAddress mac, uint mode)
    {
        int offset = WriteHeader(destination, 0);
        offset = WriteString(destination, offset, IFLA_IFNAME, name);
        offset = WriteUInt32(destination, offset, IFLA_LINK, (uint)parentIndex);
        Span<byte> address = stackalloc byte[6];
        mac.WriteTo(address);
        offset = WriteBytes(destination, offset, IFLA_ADDRESS, address);
        int linkInfo = BeginNest(destination, ref offset, IFLA_LINKINFO);
        offset = WriteString(destination, offset, IFLA_INFO_KIND, "macvlan", terminate: false);
        int data = BeginNest(destination, ref offset, IFLA_INFO_DATA);
        offset = WriteUInt32(destination, offset, IFLA_MACVLAN_MODE, mode);
        EndNest(destination, data, offset);
        EndNest(destination, linkInfo, offset);
        return Finish(destination, offset, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence);
    }

    /// <summary>Writes a request that sets how the kernel makes the interface's IPv6 link-local address.</summary>
    public static int WriteAddressGenerationMode(Span<byte> destination, uint sequence, int index, byte mode)
    {
        int offset = WriteHeader(destination, index);
        int spec = BeginNest(destination, ref offset, IFLA_AF_SPEC);
        int inet6 = BeginNest(destination, ref offset, AF_INET6);
        offset = WriteBytes(destination, offset, IFLA_INET6_ADDR_GEN_MODE, [mode]);
        EndNest(destination, inet6, offset);
        EndNest(destination, spec, offset);
        return Finish(destination, offset, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
    }

    /// <summary>Writes a request that brings an interface up.</summary>
    public static int WriteSetUp(Span<byte> destination, uint sequence, int index)
    {
        int offset = WriteHeader(destination, index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], IFF_UP); // ifi_flags
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], IFF_UP); // ifi_change: only this flag
        return Finish(destination, offset, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
    }

    /// <summary>Writes a request that removes an interface, named.</summary>
    public static int WriteDelete(Span<byte> destination, uint sequence, string name)
    {
        int offset = WriteHeader(destination, 0);
        offset = WriteString(destination, offset, IFLA_IFNAME, name);
        return Finish(destination, offset, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
    }

    /// <summary>Writes a request for one interface's description, named.</summary>
    public static int WriteGet(Span<byte> destination, uint sequence, string name)
    {
        int offset = WriteHeader(destination, 0);
        offset = WriteString(destination, offset, IFLA_IFNAME, name);
        return Finish(destination, offset, RTM_GETLINK, NLM_F_REQUEST, sequence);
    }

    /// <summary>
    /// Reads the answer to RTM_GETLINK <paramref name="sequence"/>: the interface's index, parent index, MAC and link
    /// kind (empty for a plain device), or a negative errno.
    /// </summary>
    /// <returns><see langword="false"/> when the bytes hold no answer for that sequence.</returns>
    public static bool TryReadLink(ReadOnlySpan<byte> response, uint sequence, out LinkDescription link, out int error)
    {
        link = default;
        error = 0;
        while (response.Length >= 16)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(response);
            if (length < 16 || length > response.Length)
            {
                return false;
            }

            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(response[4..]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(response[8..]) == sequence)
            {
                if (type == NLMSG_ERROR && length >= 20)
                {
                    error = BinaryPrimitives.ReadInt32LittleEndian(response[16..]);
                    return true;
                }

                if (type == RTM_NEWLINK && length >= HeaderLength)
                {
                    link = ReadLink(response[..length]);
                    return true;
                }
            }

            response = response[Math.Min(Align(length), response.Length)..];
        }

        return false;
    }

    private static LinkDescription ReadLink(ReadOnlySpan<byte> message)
    {
        int index = BinaryPrimitives.ReadInt32LittleEndian(message[20..]);
        int parent = 0;
        MacAddress mac = default;
        string kind = string.Empty;
        ReadOnlySpan<byte> attributes = message[HeaderLength..];
        while (TryNextAttribute(ref attributes, out ushort type, out ReadOnlySpan<byte> payload))
        {
            if (type == IFLA_LINK && payload.Length >= 4)
            {
                parent = BinaryPrimitives.ReadInt32LittleEndian(payload);
            }
            else if (type == IFLA_ADDRESS && payload.Length == 6)
            {
                mac = MacAddress.FromBytes(payload);
            }
            else if (type == IFLA_LINKINFO)
            {
                ReadOnlySpan<byte> info = payload;
                while (TryNextAttribute(ref info, out ushort infoType, out ReadOnlySpan<byte> infoPayload))
                {
                    if (infoType == IFLA_INFO_KIND)
                    {
                        kind = Encoding.ASCII.GetString(infoPayload.TrimEnd((byte)0));
                    }
                }
            }
        }

        return new LinkDescription(index, parent, mac, kind);
    }

    private static bool TryNextAttribute(ref ReadOnlySpan<byte> attributes, out ushort type, out ReadOnlySpan<byte> payload)
    {
        type = 0;
        payload = default;
        if (attributes.Length < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
        if (length < 4 || length > attributes.Length)
        {
            return false;
        }

        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]) & 0x3FFF); // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
        payload = attributes[4..length];
        attributes = attributes[Math.Min(Align(length), attributes.Length)..];
        return true;
    }

    private static int WriteHeader(Span<byte> destination, int index)
    {
        destination[..HeaderLength].Clear();
        destination[16] = 0; // AF_UNSPEC
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], index);
        return HeaderLength;
    }

    private static int Finish(Span<byte> destination, int length, ushort type, int flags, uint sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        return length;
    }

    private static int BeginNest(Span<byte> destination, ref int offset, ushort type)
    {
        int start = offset;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], type);
        offset += 4;
        return start;
    }

    private static void EndNest(Span<byte> destination, int start, int end) =>
        BinaryPrimitives.WriteUInt16LittleEndian(destination[start..], (ushort)(end - start));

    private static int WriteUInt32(Span<byte> destination, int offset, ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return WriteBytes(destination, offset, type, bytes);
    }

    private static int WriteString(Span<byte> destination, int offset, ushort type, string value, bool terminate = true)
    {
        Span<byte> bytes = stackalloc byte[value.Length + 1];
        int count = Encoding.ASCII.GetBytes(value, bytes);
        bytes[count] = 0;
        return WriteBytes(destination, offset, type, bytes[..(terminate ? count + 1 : count)]);
    }

    private static int WriteBytes(Span<byte> destination, int offset, ushort type, ReadOnlySpan<byte> payload)
    {
        int length = 4 + payload.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], type);
        payload.CopyTo(destination[(offset + 4)..]);
        destination[(offset + length)..(offset + Align(length))].Clear();
        return offset + Align(length);
    }

    private static int Align(int length) => (length + 3) & ~3;
}

/// <summary>What RTM_GETLINK says of an interface: enough to tell our macvlan from a real device.</summary>
internal readonly record struct LinkDescription(int Index, int ParentIndex, MacAddress Mac, string Kind);
