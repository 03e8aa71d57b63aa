using System.Net.Sockets;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Announcements;

/// <summary>
/// Watches the links for what tells hosts where an address lives (ARP packets, and neighbour advertisements with
/// the Override flag) and tells the routers of that interface, through <see cref="VirtualRouter.HearAnnouncement"/>:
/// a master whose address another MAC claimed answers it, so hosts that learnt the other MAC come back (see
/// <see cref="VirtualRouterOptions.AnswerConflictingAnnouncements"/>). One <c>AF_PACKET</c>/<c>SOCK_DGRAM</c> socket
/// for <c>ETH_P_ARP</c> and one raw ICMPv6 socket filtered to type 136 serve every interface; frames this host sent
/// are skipped.
/// </summary>
public sealed unsafe partial class AnnouncementListener : IDisposable
{
    private readonly object _gate = new();
    private readonly Socket _arp;
    private readonly Socket? _icmp6;
    private readonly Thread[] _receivers;
    private readonly StopSignal _stop = new();
    private Dictionary<int, VirtualRouter[]> _routers = [];
    private volatile bool _disposed;
    private long _packets;
    private readonly long[] _rejected = new long[Enum.GetValues<AnnouncementStatus>().Length];
    private long _receiveErrors;

    /// <summary>Opens the sockets and starts listening. Without IPv6 in the kernel it listens for ARP alone.</summary>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_RAW.</exception>
    public AnnouncementListener()
    {
        _arp = OpenArp();
        _icmp6 = OpenIcmp6();
        Thread arp = new(ReceiveArp) { IsBackground = true, Name = "vrrp-arp-listener" };
        Thread? na = _icmp6 is null ? null : new(ReceiveNeighborAdvertisements) { IsBackground = true, Name = "vrrp-na-listener" };
        _receivers = na is null ? [arp] : [arp, na];
        foreach (Thread receiver in _receivers)
        {
            receiver.Start();
        }
    }

    /// <summary>Gets the ARP packets and neighbour advertisements with the Override flag received from other hosts.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Gets the received packets refused for <paramref name="reason"/>: they tell nothing about where an address lives.</summary>
    /// <param name="reason">Any value but <see cref="AnnouncementStatus.Valid"/>.</param>
    /// <returns>The count.</returns>
    public long Rejected(AnnouncementStatus reason) => (int)reason < _rejected.Length ? Interlocked.Read(ref _rejected[(int)reason]) : 0;

    /// <summary>Gets the number of failed receive calls.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Tells <paramref name="router"/> of the announcements seen on an interface.</summary>
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
        // Closing a packet or raw socket does not wake a thread blocked on it: the loops wait on the stop signal as well.
        _disposed = true;
        _stop.Set();
        foreach (Thread receiver in _receivers)
        {
            receiver.Join(TimeSpan.FromSeconds(2));
        }

        _arp.Dispose();
        _icmp6?.Dispose();
        _stop.Dispose();
    }

    /// <summary>Tells the routers of an interface that a host announced <paramref name="address"/> at <paramref name="mac"/>.</summary>
    internal void Tell(int interfaceIndex, PackedIPAddress address, MacAddress mac)
    {
        Interlocked.Increment(ref _packets);
        if (!Volatile.Read(ref _routers).TryGetValue(interfaceIndex, out VirtualRouter[]? routers))
        {
            return;
        }

        foreach (VirtualRouter router in routers)
        {
            try
            {
                router.HearAnnouncement(address, mac);
            }
#pragma warning disable CA1031 // nothing a router does with one packet may stop the receive loop
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _receiveErrors);
            }
        }
    }
}
