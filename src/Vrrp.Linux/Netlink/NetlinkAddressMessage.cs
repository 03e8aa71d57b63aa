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
/// rtattr:         u16 length | u16 type | payload, padded to 4 bytes   (IFA_LOCAL, IFA_ADDRESS, IFA_LABEL)
/// </code>
/// </remarks>
internal static class NetlinkAddressMessage
{
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort NLMSG_ERROR = 2;
    private const ushort NLM_F_REQUEST = 0x1;
    private const ushort NLM_F_ACK = 0x4;
    private const ushort NLM_F_REPLACE = 0x100;
    private const ushort NLM_F_CREATE = 0x400;
    private const ushort IFA_ADDRESS = 1;
    private const ushort IFA_LOCAL = 2;
    private const ushort IFA_LABEL = 3;
    private const byte IFA_F_NODAD = 0x02;
    private const byte AF_INET = 2;
    private const byte AF_INET6 = 10;

    /// <summary>Writes a request; adding replaces an existing address, so that repeating it is harmless.</summary>
    public static int Write(Span<byte> destination, ushort type, uint sequence, int interfaceIndex, VirtualAddress address, string? label)
    {
        bool v6 = address.Address.Family == AddressFamily.InterNetworkV6;
        int offset = 16;
        destination[offset] = v6 ? AF_INET6 : AF_INET;
        destination[offset + 1] = address.PrefixLength;
        destination[offset + 2] = v6 ? IFA_F_NODAD : (byte)0; // a virtual IPv6 address is usable at once, as keepalived does
        destination[offset + 3] = 0; // RT_SCOPE_UNIVERSE
        BinaryPrimitives.WriteInt32LittleEndian(destination[(offset + 4)..], interfaceIndex);
        offset += 8;
        offset = WriteAddressAttribute(destination, offset, IFA_LOCAL, address);
        offset = WriteAddressAttribute(destination, offset, IFA_ADDRESS, address);
        if (!v6 && !string.IsNullOrEmpty(label))
        {
            int length = 4 + label.Length + 1;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], (ushort)length);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(offset + 2)..], IFA_LABEL);
            System.Text.Encoding.ASCII.GetBytes(label, destination[(offset + 4)..]);
            destination[offset + 4 + label.Length] = 0;
            offset += Align(length);
        }

        ushort flags = type == RTM_NEWADDR ? (ushort)(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE) : (ushort)(NLM_F_REQUEST | NLM_F_ACK);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)offset);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        return offset;
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
