using System.Runtime.InteropServices;

namespace Vrrp.Linux.Interop;

/// <summary>The kernel's <c>struct sockaddr_in</c> (16 bytes): family, port and address in network order, padding.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketAddressIPv4
{
    public ushort Family;
    public ushort Port;
    public fixed byte Address[4];
    public ulong Zero;
}
