using System.Net;
using System.Net.Sockets;

namespace Vrrp.Linux.Sockets;

/// <summary>
/// Runs the runtime's datagram send path once per process, so that a backup's first advertisement as master (often
/// months after start) does not wait for it to be compiled: measured in namespaces, that first send took 2.4 to
/// 3 ms cold and microseconds warm.
/// </summary>
/// <remarks>
/// It sends one empty UDP datagram to the discard port of the loopback address, so nothing leaves the host's
/// network namespace and no VRRP peer sees anything.
/// </remarks>
internal static unsafe class SendPathWarmup
{
    private static int s_done;

    public static void Run(AddressFamily family)
    {
        if (Interlocked.Exchange(ref s_done, 1) == 1)
        {
            return;
        }

        // The raw transports call sendto(2) themselves: bind its stub now, on a descriptor that cannot exist (EBADF).
        _ = Interop.RawSockets.SendTo(-1, null, 0, 0, null, 0);
        try
        {
            using var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            IPAddress loopback = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            _ = socket.SendTo(ReadOnlySpan<byte>.Empty, SocketFlags.None, new IPEndPoint(loopback, 9).Serialize());
        }
        catch (SocketException)
        {
            // No loopback (a namespace whose lo is down): the send path is still compiled up to the failing call.
        }
    }
}
