using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Announcements;

/// <summary>ARP: an <c>AF_PACKET</c>/<c>SOCK_DGRAM</c> socket for <c>ETH_P_ARP</c>, every interface, sender taken from the ARP body.</summary>
public sealed unsafe partial class AnnouncementListener
{
    private const ushort EthPArp = 0x0806;
    private const byte PacketOutgoing = 4;

    private static Socket OpenArp() =>
        RawSockets.Open(RawSockets.AF_PACKET, RawSockets.SOCK_DGRAM, BinaryPrimitives.ReverseEndianness(EthPArp), "CAP_NET_RAW");

    private void ReceiveArp()
    {
        byte[] buffer = GC.AllocateArray<byte>(2048, pinned: true);
        while (!_disposed)
        {
            sockaddr_ll source;
            int length;
            try
            {
                if (!_stop.WaitReadable(_arp.SafeHandle))
                {
                    continue; // stopped: the loop condition ends it
                }

                length = ReceiveArp(buffer, &source);
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

            if (length < 0)
            {
                Interlocked.Increment(ref _receiveErrors);
                continue;
            }

            if (source.sll_pkttype == PacketOutgoing)
            {
                continue; // this host's own ARP, ours included
            }

            DispatchArp(source.sll_ifindex, buffer.AsSpan(0, length));
        }
    }

    /// <summary>Hands one received ARP packet to the routers of its interface.</summary>
    internal void DispatchArp(int interfaceIndex, ReadOnlySpan<byte> packet)
    {
        AnnouncementStatus status = ArpPacket.TryReadSender(packet, out MacAddress senderMac, out PackedIPAddress senderAddress);
        if (status != AnnouncementStatus.Valid)
        {
            Interlocked.Increment(ref _rejected[(int)status]);
            return;
        }

        Tell(interfaceIndex, senderAddress, senderMac);
    }

    private int ReceiveArp(byte[] buffer, sockaddr_ll* source)
    {
        bool added = false;
        try
        {
            _arp.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)_arp.SafeHandle.DangerousGetHandle();
            socklen_t length = sizeof(sockaddr_ll);
            fixed (byte* data = buffer)
            {
                return (int)LibC.recvfrom(fd, data, buffer.Length, 0, (sockaddr*)source, &length);
            }
        }
        finally
        {
            if (added)
            {
                _arp.SafeHandle.DangerousRelease();
            }
        }
    }
}
