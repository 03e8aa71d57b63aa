#pragma warning disable CS8981, IDE1006, SA1300 // native declarations keep their C names (CONVENTIONS: interop naming)
using System.Runtime.InteropServices;

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
