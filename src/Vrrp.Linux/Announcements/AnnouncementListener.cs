using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Announcements;

/// <summary>
/// Watches the links for ARP packets (gratuitous ARPs, requests and replies) and tells the routers of that interface
/// who announced what, through <see cref="VirtualRouter.HearAnnouncement"/>: a master whose address another MAC
/// claimed answers it, so hosts that learnt the other MAC come back (see
/// <see cref="VirtualRouterOptions.AnswerConflictingAnnouncements"/>). One <c>AF_PACKET</c>/<c>SOCK_DGRAM</c> socket
/// for <c>ETH_P_ARP</c> serves every interface; frames this host sent are skipped.
/// </summary>
public sealed unsafe class AnnouncementListener : IDisposable
{
    private const ushort EthPArp = 0x0806;
    private const byte PacketOutgoing = 4;
    private const int PollMicroseconds = 200_000;

    private readonly object _gate = new();
    private readonly Socket _socket;
    private readonly Thread _receiver;
    private Dictionary<int, VirtualRouter[]> _routers = [];
    private volatile bool _disposed;
    private long _packets;
    private long _unreadable;
    private long _receiveErrors;

    /// <summary>Opens the packet socket and starts listening.</summary>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_RAW.</exception>
    public AnnouncementListener()
    {
        _socket = RawSockets.Open(RawSockets.AF_PACKET, RawSockets.SOCK_DGRAM, BinaryPrimitives.ReverseEndianness(EthPArp), "CAP_NET_RAW");
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "vrrp-arp-listener" };
        _receiver.Start();
    }

    /// <summary>Gets the ARP packets received from other hosts.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Gets the received packets that were not Ethernet/IPv4 ARP requests or replies.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Gets the number of failed receive calls.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Tells <paramref name="router"/> of the ARP packets seen on an interface.</summary>
    /// <param name="interfaceIndex">The interface index of the router's link.</param>
    /// <param name="router">The router.</param>
    public void Watch(int interfaceIndex, VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            // Copied on write: the receive loop reads the map without a lock and without allocating.
            var next = new Dictionary<int, VirtualRouter[]>(_routers);
            next[interfaceIndex] = next.TryGetValue(interfaceIndex, out VirtualRouter[]? list) ? [.. list, router] : [router];
            Volatile.Write(ref _routers, next);
        }
    }

    /// <summary>Stops telling a router.</summary>
    /// <param name="router">The router.</param>
    public void Unwatch(VirtualRouter router)
    {
        lock (_gate)
        {
            var next = new Dictionary<int, VirtualRouter[]>();
            foreach ((int index, VirtualRouter[] list) in _routers)
            {
                VirtualRouter[] kept = Array.FindAll(list, r => r != router);
                if (kept.Length > 0)
                {
                    next[index] = kept;
                }
            }

            Volatile.Write(ref _routers, next);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Closing a packet socket does not wake a thread blocked in recv on it: the loop polls, sees the flag and leaves.
        _disposed = true;
        _receiver.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
    }

    /// <summary>Hands one received ARP packet to the routers of its interface.</summary>
    internal void Dispatch(int interfaceIndex, ReadOnlySpan<byte> packet)
    {
        if (!ArpPacket.TryReadSender(packet, out MacAddress senderMac, out PackedIPAddress senderAddress))
        {
            Interlocked.Increment(ref _unreadable);
            return;
        }

        Interlocked.Increment(ref _packets);
        if (Volatile.Read(ref _routers).TryGetValue(interfaceIndex, out VirtualRouter[]? routers))
        {
            foreach (VirtualRouter router in routers)
            {
                router.HearAnnouncement(senderAddress, senderMac);
            }
        }
    }

    private void ReceiveLoop()
    {
        byte[] buffer = GC.AllocateArray<byte>(2048, pinned: true);
        while (!_disposed)
        {
            sockaddr_ll source;
            int length;
            try
            {
                if (!_socket.Poll(PollMicroseconds, SelectMode.SelectRead))
                {
                    continue;
                }

                length = Receive(buffer, &source);
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

            try
            {
                Dispatch(source.sll_ifindex, buffer.AsSpan(0, length));
            }
#pragma warning disable CA1031 // nothing a router does with one packet may stop the receive loop
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _receiveErrors);
            }
        }
    }

    private int Receive(byte[] buffer, sockaddr_ll* source)
    {
        bool added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)_socket.SafeHandle.DangerousGetHandle();
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
                _socket.SafeHandle.DangerousRelease();
            }
        }
    }
}
