using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Vrrp.Linux.Interop;

/// <summary>
/// Opens the sockets .NET cannot: <c>socket(AF_INET, SOCK_RAW, 112)</c> fails in the Socket constructor with
/// "Protocol not supported", though the kernel supports it; netlink and packet sockets need sockaddr types .NET lacks.
/// Each descriptor is close-on-exec and wrapped in a <see cref="Socket"/> (a SafeHandle) at once.
/// </summary>
internal static unsafe partial class RawSockets
{
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int AF_NETLINK = 16;
    public const int AF_PACKET = 17;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000; // O_CLOEXEC
    public const int SOL_SOCKET = 1;
    public const int SO_BINDTODEVICE = 25;
    public const int SO_RCVBUF = 8;

    public static Socket Open(int family, int protocol, string capability) => Open(family, SOCK_RAW, protocol, capability);

    public static Socket Open(int family, int type, int protocol, string capability)
    {
        // Close-on-exec from the start: a script vrrpd runs (as another user, say) must not inherit a raw socket.
        int fd = LibC.socket(family, type | SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            throw Errno.Failure($"socket({family}, {(type == SOCK_RAW ? "SOCK_RAW" : "SOCK_DGRAM")}, {protocol})", Errno.Last, capability);
        }

        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    public static void BindToDevice(Socket socket, string interfaceName)
    {
        byte[] name = new byte[interfaceName.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(interfaceName, name);
        socket.SetRawSocketOption(SOL_SOCKET, SO_BINDTODEVICE, name);
    }

    /// <summary>
    /// sendto(2) for the send paths that only need to know whether the whole datagram went: without the errno capture
    /// of a SetLastError import (two <c>__errno_location</c> calls per send, seen in the timer thread's profile).
    /// </summary>
    [LibraryImport("libc", EntryPoint = "sendto")]
    public static partial nint SendTo(int fd, byte* buffer, nuint length, int flags, void* address, uint addressLength);
}
