using System.Net.Sockets;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Announcements;

/// <summary>
/// Neighbour advertisements: a raw ICMPv6 socket that the kernel filters to type 136 (<c>ICMP6_FILTER</c>), with the
/// interface and hop limit from ancillary data. Only hop limit 255 counts (RFC 4861 §7.1.2: anything else did not
/// come from the link).
/// </summary>
public sealed unsafe partial class AnnouncementListener
{
    private const int IPPROTO_ICMPV6 = 58;
    private const int ICMP6_FILTER = 1;
    private const byte NeighborAdvertisementType = 136;

    private static Socket? OpenIcmp6()
    {
        Socket socket;
        try
        {
            socket = RawSockets.Open(RawSockets.AF_INET6, IPPROTO_ICMPV6, "CAP_NET_RAW");
        }
        catch (Exception ex) when (ex is not UnauthorizedAccessException)
        {
            return null; // no IPv6 in this kernel: ARP alone
        }

        try
        {
            // struct icmp6_filter: 256 bits, a set bit blocks that type.
            Span<byte> filter = stackalloc byte[32];
            filter.Fill(0xFF);
            filter[NeighborAdvertisementType >> 3] &= unchecked((byte)~(1 << (NeighborAdvertisementType & 7)));
            socket.SetRawSocketOption(IPPROTO_ICMPV6, ICMP6_FILTER, filter);
            socket.SetRawSocketOption(MessageHeader.IPPROTO_IPV6, MessageHeader.IPV6_RECVHOPLIMIT, [1, 0, 0, 0]);
            socket.SetRawSocketOption(MessageHeader.IPPROTO_IPV6, MessageHeader.IPV6_RECVPKTINFO, [1, 0, 0, 0]);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void ReceiveNeighborAdvertisements()
    {
        byte[] buffer = GC.AllocateArray<byte>(2048, pinned: true);
        byte[] control = GC.AllocateArray<byte>(256, pinned: true);
        Socket socket = _icmp6!;
        fixed (byte* data = buffer)
        fixed (byte* controlData = control)
        {
            while (!_disposed)
            {
                nint length;
                int controlUsed;
                bool added = false;
                try
                {
                    if (!_stop.WaitReadable(socket.SafeHandle))
                    {
                        continue; // stopped: the loop condition ends it
                    }

                    socket.SafeHandle.DangerousAddRef(ref added);
                    var vector = new MessageHeader.iovec { iov_base = data, iov_len = (nuint)buffer.Length };
                    var message = new MessageHeader.msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = controlData, msg_controllen = (nuint)control.Length };
                    length = MessageHeader.RecvMsg((int)socket.SafeHandle.DangerousGetHandle(), &message, 0);
                    controlUsed = (int)message.msg_controllen;
                }
                catch (Exception) when (_disposed)
                {
                    return;
                }
#pragma warning disable CA1031 // nothing one packet does may stop the receive loop
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _receiveErrors);
                    continue;
                }
                finally
                {
                    if (added)
                    {
                        socket.SafeHandle.DangerousRelease();
                    }
                }

                if (length < 0)
                {
                    Interlocked.Increment(ref _receiveErrors);
                    continue;
                }

                MessageHeader.ReadPacketInfo(control.AsSpan(0, controlUsed), out byte hopLimit, out _, out int interfaceIndex);
                DispatchNeighborAdvertisement(interfaceIndex, hopLimit, buffer.AsSpan(0, (int)length));
            }
        }
    }

    /// <summary>Hands one received neighbour advertisement to the routers of its interface.</summary>
    internal void DispatchNeighborAdvertisement(int interfaceIndex, byte hopLimit, ReadOnlySpan<byte> message)
    {
        PackedIPAddress target = default;
        MacAddress targetMac = default;
        AnnouncementStatus status = hopLimit != 255 ? AnnouncementStatus.HopLimit : NeighborAdvertisement.TryReadOverride(message, out target, out targetMac);
        if (status != AnnouncementStatus.Valid)
        {
            Interlocked.Increment(ref _rejected[(int)status]);
            return;
        }

        Tell(interfaceIndex, target, targetMac);
    }
}
