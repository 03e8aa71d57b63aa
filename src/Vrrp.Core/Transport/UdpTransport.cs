using System.Net;
using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Transport;

/// <summary>
/// Carries VRRP advertisements in UDP datagrams between listed peers, with portable .NET sockets and no privilege:
/// leader election among your own nodes, over unicast, without root.
/// </summary>
/// <remarks>
/// <para>
/// This is not VRRP on the wire: VRRP runs directly over IP (protocol 112), and keepalived, routers and switches
/// neither send nor hear these datagrams. Use it for in-process leader election among nodes running this library;
/// use the raw-socket transports of Vrrp.Linux to interoperate with keepalived or to move an address on a LAN.
/// </para>
/// <para>
/// Each datagram holds exactly what a raw IPv4 transport would put on the wire: the IP datagram, header first. IPv6 is
/// not supported yet: its VRRPv3 checksum covers the IPv6 destination, which a UDP receiver is not told. Every node binds <see cref="UdpTransportOptions.LocalAddress"/> on the same
/// <see cref="UdpTransportOptions.Port"/>. A datagram from an address that is not a listed peer, or whose inner
/// IPv4 source is not the address it came from, is dropped and counted in <see cref="UnknownPeer"/>; the rest are
/// dispatched by VRID, as the raw transports do. An advertisement to the VRRP multicast group goes to every peer.
/// The receive loop allocates nothing per packet.
/// </para>
/// </remarks>
public sealed class UdpTransport : IVrrpTransport, IDisposable
{
    private const int PollMicroseconds = 200_000;

    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = GC.AllocateArray<byte>(65536, pinned: true);
    private readonly SocketAddress _receiveAddress;
    private readonly int _port;
    private readonly Thread? _receiver;
    private Peer[] _peers = [];
    private long _unknownPeer;
    private long _receiveErrors;
    private long _sendFailures;
    private volatile bool _disposed;

    internal UdpTransport(UdpTransportOptions options, bool startReceiving)
    {
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }

        IPAddress local = IPAddress.Parse(options.LocalAddress);
        Family = local.AddressFamily;
        PrimaryAddress = PackedIPAddress.FromIPAddress(local);
        _port = options.Port;
        Dispatcher = new AdvertisementDispatcher(Family);
        SetPeers(options.Peers);
        _socket = new Socket(Family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(new IPEndPoint(local, _port));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        _receiveAddress = new SocketAddress(Family);
        if (startReceiving)
        {
            _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = $"vrrp-udp-rx-{local}" };
            _receiver.Start();
        }
    }

    /// <inheritdoc/>
    public AddressFamily Family { get; }

    /// <summary>Gets <see cref="UdpTransportOptions.LocalAddress"/>: the source of every advertisement and the node's identity to its peers.</summary>
    public PackedIPAddress PrimaryAddress { get; }

    /// <summary>Gets the zero MAC: there is no link layer here.</summary>
    public MacAddress InterfaceMac => default;

    /// <summary>Gets the dispatcher, with its counts of packets for unknown VRIDs and unreadable packets.</summary>
    public AdvertisementDispatcher Dispatcher { get; }

    /// <summary>Gets the peers heard and sent to.</summary>
    public IReadOnlyList<PackedIPAddress> Peers => Array.ConvertAll(Volatile.Read(ref _peers), p => p.Address);

    /// <summary>Gets the number of datagrams dropped because they came from an address that is not a listed peer (or claimed another source inside).</summary>
    public long UnknownPeer => Interlocked.Read(ref _unknownPeer);

    /// <summary>Gets the number of socket errors on receive, and of packets a router failed on.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Gets the number of datagrams the socket refused to send.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Opens a transport: binds the socket and starts its receive thread.</summary>
    /// <param name="options">Where to listen and whom to hear.</param>
    /// <returns>The transport; dispose it to close the socket.</returns>
    /// <exception cref="VrrpConfigurationException">The options are invalid; the message names each field and its range.</exception>
    /// <exception cref="SocketException">The address or port cannot be bound.</exception>
    public static UdpTransport Open(UdpTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new UdpTransport(options, startReceiving: true);
    }

    /// <summary>Replaces the peers at run time: datagrams from the old ones are dropped from now on.</summary>
    /// <param name="peers">The peers' IPv4 addresses.</param>
    /// <exception cref="VrrpConfigurationException">An address is invalid or of the wrong family.</exception>
    public void SetPeers(IEnumerable<string> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var errors = new List<string>();
        var next = new List<Peer>();
        foreach (string text in peers)
        {
            if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != Family)
            {
                errors.Add($"UdpTransport: Peers[{next.Count + errors.Count}] must be an IPv4 address; got '{text}'.");
                continue;
            }

            next.Add(new Peer(PackedIPAddress.FromIPAddress(address), new IPEndPoint(address, _port).Serialize()));
        }

        if (errors.Count > 0)
        {
            throw new VrrpConfigurationException(errors);
        }

        Volatile.Write(ref _peers, [.. next]);
    }

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination)
    {
        Peer[] peers = Volatile.Read(ref _peers);
        bool sent = true;
        for (int i = 0; i < peers.Length; i++)
        {
            if (destination.IsMulticast || peers[i].Address == destination)
            {
                sent &= SendTo(packet, peers[i].SocketAddress);
            }
        }

        return sent;
    }

    /// <inheritdoc/>
    public void Register(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Register(virtualRouterId, receiver);

    /// <inheritdoc/>
    public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Unregister(virtualRouterId, receiver);

    /// <inheritdoc/>
    public void Dispose()
    {
        // On Linux and Windows closing the socket aborts the receive thread's blocking receive; elsewhere the loop polls
        // (see ReceiveLoop) and sees the flag.
        _disposed = true;
        _socket.Dispose();
        _receiver?.Join(TimeSpan.FromSeconds(2));
    }

    /// <summary>Waits for one datagram and handles it (dispatches or drops it); the receive thread calls this in a loop.</summary>
    /// <param name="timeoutMicroseconds">How long to wait for a datagram; 0 to take only one already there; -1 to block
    /// in the receive until a datagram comes or <see cref="Dispose"/> closes the socket.</param>
    /// <returns><see langword="true"/> when a datagram was read.</returns>
    internal bool TryReceiveOne(int timeoutMicroseconds)
    {
        int length;
        try
        {
            if (_disposed || (timeoutMicroseconds >= 0 && !_socket.Poll(timeoutMicroseconds, SelectMode.SelectRead)))
            {
                return false;
            }

            length = _socket.ReceiveFrom(_receiveBuffer, SocketFlags.None, _receiveAddress);
            if (_disposed)
            {
                return false; // the close that woke the receive
            }
        }
        catch (SocketException) when (!_disposed)
        {
            Interlocked.Increment(ref _receiveErrors);
            return false;
        }
        catch (Exception) when (_disposed)
        {
            return false;
        }

        // sockaddr_in has the address at byte 4 on every platform .NET runs on.
        PackedIPAddress source = PackedIPAddress.FromBytes(_receiveAddress.Buffer.Span.Slice(4, 4));
        ReadOnlySpan<byte> packet = _receiveBuffer.AsSpan(0, length);
        if (!IsPeer(source) || length < IPv4Header.MinimumLength || !source.SequenceEqual(packet.Slice(12, 4)))
        {
            Interlocked.Increment(ref _unknownPeer);
            return true;
        }

        // The peer filter stands in for the TTL check: the datagram crossed however many hops UDP took.
        var metadata = new PacketMetadata(source, PrimaryAddress, VrrpDatagram.RequiredHopLimit);
        try
        {
            Dispatcher.Dispatch(packet, metadata);
        }
#pragma warning disable CA1031 // nothing a router does with one packet may stop the receive loop
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _receiveErrors);
        }

        return true;
    }

    private bool IsPeer(PackedIPAddress source)
    {
        Peer[] peers = Volatile.Read(ref _peers);
        for (int i = 0; i < peers.Length; i++)
        {
            if (peers[i].Address == source)
            {
                return true;
            }
        }

        return false;
    }

    private bool SendTo(ReadOnlySpan<byte> packet, SocketAddress destination)
    {
        try
        {
            _socket.SendTo(packet, SocketFlags.None, destination);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendFailures);
            return false;
        }
    }

    private void ReceiveLoop()
    {
        // Where closing a socket aborts a blocking receive (Linux, Windows), block: an idle transport never wakes.
        // Elsewhere poll, so the loop sees the disposal flag within PollMicroseconds.
        int timeout = OperatingSystem.IsLinux() || OperatingSystem.IsWindows() ? -1 : PollMicroseconds;
        while (!_disposed)
        {
            TryReceiveOne(timeout);
        }
    }

    private readonly record struct Peer(PackedIPAddress Address, SocketAddress SocketAddress);
}
