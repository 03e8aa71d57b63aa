using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Addressing;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Announcements;

/// <summary>
/// Sends gratuitous ARPs and unsolicited neighbour advertisements through an <c>AF_PACKET</c> socket, as whole
/// Ethernet frames written by the codec, from the router's announcement MAC.
/// </summary>
public sealed unsafe class PacketSocketAnnouncer : IAddressAnnouncer, IDisposable
{
    private readonly object _gate = new();
    private readonly Socket _socket;
    private readonly Func<string, (int Index, PackedIPAddress LinkLocal)> _resolve;
    private readonly byte[] _frame = new byte[128];
    private long _sendFailures;

    /// <summary>Opens the packet socket.</summary>
    /// <param name="resolve">Finds an interface's index and IPv6 link-local address by name.</param>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_RAW.</exception>
    public PacketSocketAnnouncer(Func<string, (int Index, PackedIPAddress LinkLocal)> resolve)
    {
        _resolve = resolve ?? throw new ArgumentNullException(nameof(resolve));
        // Protocol 0: a socket that only sends. With ETH_P_ALL the kernel would queue a copy of every frame on every
        // interface to it, for nobody to read.
        _socket = RawSockets.Open(RawSockets.AF_PACKET, 0, "CAP_NET_RAW");
    }

    /// <summary>
    /// Gets or sets the pause between two gratuitous ARPs (keepalived's <c>vrrp_garp_interval</c>): zero, the default,
    /// sends them back to back. Paced across every router, as keepalived paces them per interface; the pause is taken
    /// on the routers' action lanes, never on the protocol loop.
    /// </summary>
    public TimeSpan GarpInterval { get; set; }

    /// <summary>Gets or sets the pause between two unsolicited neighbour advertisements (keepalived's <c>vrrp_gna_interval</c>).</summary>
    public TimeSpan GnaInterval { get; set; }

    // One announcement of an address: one put on another interface (its dev) is announced there, from that interface's
    // MAC, as keepalived announces it: the neighbours that reach it are on that link. Under _gate.
    private void Send(VirtualRouter router, VirtualAddress address, int index, PackedIPAddress linkLocal)
    {
        (int Index, MacAddress Mac, PackedIPAddress LinkLocal) from = router.PlacementOf(address).Device is { } device && device != router.Interface
            ? Other(device)
            : (index, router.AnnouncementMac, linkLocal);
        int length;
        bool written = address.Address.Family == AddressFamily.InterNetwork
            ? GratuitousArp.TryWrite(_frame, from.Mac, address.Address, out length)
            : UnsolicitedNeighborAdvertisement.TryWrite(_frame, from.Mac, from.LinkLocal.Length == 16 ? from.LinkLocal : address.Address, address.Address, UnsolicitedNeighborAdvertisement.RfcFlags, out length);
        if (from.Index <= 0 || !written || !Send(from.Index, _frame.AsSpan(0, length)))
        {
            Interlocked.Increment(ref _sendFailures);
        }
    }

    /// <summary>Gets the number of frames the kernel refused.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <inheritdoc/>
    public void Announce(VirtualRouter router, int repeat)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            (int index, PackedIPAddress linkLocal) = _resolve(router.Interface);
            for (int r = 0; r < repeat; r++)
            {
                IReadOnlyList<VirtualAddress> addresses = router.HeldAddresses;
                for (int i = 0; i < addresses.Count; i++)
                {
                    VirtualAddress address = addresses[i];
                    Send(router, address, index, linkLocal);
                    TimeSpan pause = address.Address.Family == AddressFamily.InterNetwork ? GarpInterval : GnaInterval;
                    if (pause > TimeSpan.Zero)
                    {
                        Thread.Sleep(pause);
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public void AnnounceOnTheirInterfaces(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_gate)
        {
            (int index, PackedIPAddress linkLocal) = _resolve(router.Interface);
            for (int i = 0; i < addresses.Count; i++)
            {
                Send(router, addresses[i], index, linkLocal);
            }
        }
    }

    /// <summary>
    /// Announces the router's own source address once (a gratuitous ARP, or an unsolicited NA for IPv6) from its
    /// interface's own MAC: what keepalived sends when a unicast instance comes up, so that the master, which may have
    /// dropped us from its neighbour cache, sends its adverts to us at once rather than after an ARP exchange late
    /// enough to let us take over.
    /// </summary>
    /// <param name="router">The router.</param>
    public void AnnounceSource(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        PackedIPAddress source = router.PrimaryAddress;
        lock (_gate)
        {
            (int index, MacAddress mac, _) = Other(router.Interface);
            int length;
            bool written = source.Family == AddressFamily.InterNetwork
                ? GratuitousArp.TryWrite(_frame, mac, source, out length)
                : UnsolicitedNeighborAdvertisement.TryWrite(_frame, mac, source, source, UnsolicitedNeighborAdvertisement.OverrideFlag, out length);
            if (index <= 0 || source.Length == 0 || !written || !Send(index, _frame.AsSpan(0, length)))
            {
                Interlocked.Increment(ref _sendFailures);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();

    // An interface no transport was opened on: its index and MAC, asked each time (it may have been made again since);
    // the NA's source is then the address itself. Under _gate.
    private static (int Index, MacAddress Mac, PackedIPAddress LinkLocal) Other(string device)
    {
        int index = InterfaceIndex.Of(device);
        if (index <= 0 || device.Contains('/', StringComparison.Ordinal) || device is "." or "..")
        {
            return (0, default, default);
        }

        try
        {
            return (index, MacAddress.Parse(File.ReadAllText($"/sys/class/net/{device}/address").Trim()), default);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return (0, default, default);
        }
    }

    private bool Send(int interfaceIndex, ReadOnlySpan<byte> frame)
    {
        sockaddr_ll address = default;
        address.sll_family = RawSockets.AF_PACKET;
        address.sll_protocol = (ushort)BinaryPrimitives.ReverseEndianness(BinaryPrimitives.ReadUInt16BigEndian(frame[12..]));
        address.sll_ifindex = interfaceIndex;
        address.sll_halen = 6;
        for (int i = 0; i < 6; i++)
        {
            address.sll_addr[i] = frame[i];
        }

        bool added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)_socket.SafeHandle.DangerousGetHandle();
            fixed (byte* data = frame)
            {
                return RawSockets.SendTo(fd, data, (nuint)frame.Length, 0, &address, (uint)sizeof(sockaddr_ll)) == frame.Length;
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
