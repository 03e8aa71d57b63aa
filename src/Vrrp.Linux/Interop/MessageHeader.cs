#pragma warning disable CS8981, IDE1006, SA1300 // native declarations keep their C names (CONVENTIONS: interop naming)
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Vrrp.Packets;

namespace Vrrp.Linux.Interop;

/// <summary>recvmsg(2) and its structures, declared here with their C names so the layout is plain to check.</summary>
internal static unsafe partial class MessageHeader
{
    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_RECVPKTINFO = 49;
    public const int IPV6_PKTINFO = 50;
    public const int IPV6_RECVHOPLIMIT = 51;
    public const int IPV6_HOPLIMIT = 52;

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int socket, msghdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int socket, msghdr* message, int flags);

    /// <summary>The size of one control message holding a struct in6_pktinfo (16-byte address, then the interface index).</summary>
    public static int PacketInfoSpace => Align(sizeof(nuint) + 8) + Align(20);

    /// <summary>Writes an IPV6_PKTINFO control message: the source address and the interface a packet leaves from.</summary>
    public static int WritePacketInfo(Span<byte> control, PackedIPAddress source, int interfaceIndex)
    {
        int headerLength = sizeof(nuint) + 8;
        int length = headerLength + 20;
        control[..PacketInfoSpace].Clear();
        if (sizeof(nuint) == 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(control, (ulong)length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(control, (uint)length);
        }

        BinaryPrimitives.WriteInt32LittleEndian(control[sizeof(nuint)..], IPPROTO_IPV6);
        BinaryPrimitives.WriteInt32LittleEndian(control[(sizeof(nuint) + 4)..], IPV6_PKTINFO);
        source.WriteTo(control[headerLength..]);
        BinaryPrimitives.WriteInt32LittleEndian(control[(headerLength + 16)..], interfaceIndex);
        return PacketInfoSpace;
    }

    private static int Align(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

    /// <summary>
    /// Reads IPV6_HOPLIMIT and IPV6_PKTINFO (struct in6_pktinfo: the destination, then the interface index) from the
    /// control data of a received message; what is absent stays 0.
    /// </summary>
    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; data... }, each aligned to sizeof(size_t).
    public static void ReadPacketInfo(ReadOnlySpan<byte> control, out byte hopLimit, out PackedIPAddress destination, out int interfaceIndex)
    {
        hopLimit = 0;
        destination = default;
        interfaceIndex = 0;
        int headerLength = sizeof(nuint) + 8;
        while (control.Length >= headerLength)
        {
            int length = (int)(sizeof(nuint) == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(control) : BinaryPrimitives.ReadUInt32LittleEndian(control));
            if (length < headerLength || length > control.Length)
            {
                return;
            }

            int level = BinaryPrimitives.ReadInt32LittleEndian(control[sizeof(nuint)..]);
            int type = BinaryPrimitives.ReadInt32LittleEndian(control[(sizeof(nuint) + 4)..]);
            ReadOnlySpan<byte> data = control[headerLength..length];
            if (level == IPPROTO_IPV6 && type == IPV6_HOPLIMIT && data.Length >= 4)
            {
                hopLimit = (byte)BinaryPrimitives.ReadInt32LittleEndian(data);
            }
            else if (level == IPPROTO_IPV6 && type == IPV6_PKTINFO && data.Length >= 20)
            {
                destination = PackedIPAddress.FromBytes(data[..16]);
                interfaceIndex = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
            }

            int aligned = (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);
            control = control[Math.Min(aligned, control.Length)..];
        }
    }

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct iovec
    {
        public byte* iov_base;
        public nuint iov_len;
    }

    /// <summary>struct msghdr (x86-64 and aarch64 layout: the compiler pads after msg_namelen and msg_flags).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct msghdr
    {
        public void* msg_name;
        public uint msg_namelen;
        public iovec* msg_iov;
        public nuint msg_iovlen;
        public void* msg_control;
        public nuint msg_controllen;
        public int msg_flags;
    }
}
