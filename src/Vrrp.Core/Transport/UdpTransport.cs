using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
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
/// A datagram must come from <see cref="UdpTransportOptions.Port"/> too. The receive loop allocates nothing per packet.
/// </para>
/// <para>
/// With <see cref="UdpTransportOptions.Key"/>, each datagram ends with a counter (8 bytes, big-endian) and an
/// HMAC-SHA256 (32 bytes) over everything before it. A datagram whose HMAC fails is counted in
/// <see cref="AuthenticationFailures"/>; one whose counter that peer already used, or that is more than 64 behind the
/// peer's highest, in <see cref="Replays"/>. The counter starts at the sender's clock in microseconds, so it keeps
/// growing across the sender's restarts as long as its clock does not go back.
/// </para>
/// </remarks>
public sealed class UdpTransport : IVrrpTransport, IDisposable
{
    private const int PollMicroseconds = 200_000;
    private const int CounterLength = 8;
    private const int TagLength = 32; // HMAC-SHA256
    private const int TrailerLength = CounterLength + TagLength;
    private const int ReplayWindow = 64;

    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = GC.AllocateArray<byte>(65536, pinned: true);
    private readonly SocketAddress _receiveAddress;
    private readonly int _port;
    private readonly Thread? _receiver;
    private Peer[] _peers = [];
    private long _unknownPeer;
    private long _receiveErrors;
    private long _sendFailures;
    private long _authenticationFailures;
    private long _replays;
    private readonly byte[]? _key;
    private long _sendCounter = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10; // µs: above any counter of an earlier run
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
        _key = options.Key is null ? null : System.Text.Encoding.UTF8.GetBytes(options.Key);
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

    /// <summary>Gets a value indicating whether datagrams carry and need an HMAC (<see cref="UdpTransportOptions.Key"/>).</summary>
    public bool IsAuthenticated => _key is not null;

    /// <summary>Gets the number of datagrams dropped because their HMAC did not match the key (forged, or a wrong key).</summary>
    public long AuthenticationFailures => Interlocked.Read(ref _authenticationFailures);

    /// <summary>Gets the number of authentic datagrams dropped because their counter was used before: replays.</summary>
    public long Replays => Interlocked.Read(ref _replays);

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
        Peer[] previous = Volatile.Read(ref _peers);
        foreach (string text in peers)
        {
            if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != Family)
            {
                errors.Add($"UdpTransport: Peers[{next.Count + errors.Count}] must be an IPv4 address; got '{text}'.");
                continue;
            }

            // A peer listed again keeps its replay history: listing it anew must not let its old datagrams replay.
            PackedIPAddress packed = PackedIPAddress.FromIPAddress(address);
            ReplayState state = Array.Find(previous, p => p.Address == packed)?.Replay ?? new ReplayState();
            next.Add(new Peer(packed, new IPEndPoint(address, _port).Serialize(), state));
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
        if (_key is not null)
        {
            // An advert with 255 IPv4 addresses is about 1 KiB: the datagram fits the stack.
            Span<byte> datagram = stackalloc byte[packet.Length + TrailerLength];
            packet.CopyTo(datagram);
            BinaryPrimitives.WriteUInt64BigEndian(datagram[packet.Length..], (ulong)Interlocked.Increment(ref _sendCounter));
            HMACSHA256.HashData(_key, datagram[..^TagLength], datagram[^TagLength..]);
            return SendToPeers(datagram, destination);
        }

        return SendToPeers(packet, destination);
    }

    private bool SendToPeers(ReadOnlySpan<byte> packet, PackedIPAddress destination)
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

        // sockaddr_in has the port at byte 2 (network order) and the address at byte 4 on every platform .NET runs on.
        PackedIPAddress source = PackedIPAddress.FromBytes(_receiveAddress.Buffer.Span.Slice(4, 4));
        int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(_receiveAddress.Buffer.Span.Slice(2, 2));
        ReadOnlySpan<byte> packet = _receiveBuffer.AsSpan(0, length);
        switch (Admit(ref packet, source, sourcePort))
        {
            case UdpDatagramVerdict.UnknownPeer:
                Interlocked.Increment(ref _unknownPeer);
                return true;
            case UdpDatagramVerdict.AuthenticationFailure:
                Interlocked.Increment(ref _authenticationFailures);
                return true;
            case UdpDatagramVerdict.Replay:
                Interlocked.Increment(ref _replays);
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

    /// <summary>
    /// Decides whether a datagram is a listed peer's, sent from the port, authentic and new; when it is, narrows
    /// <paramref name="packet"/> to the IPv4 datagram inside (the counter and HMAC cut off). Reads only the receive
    /// thread's state: the receive loop, and the fuzzer, call it.
    /// </summary>
    internal UdpDatagramVerdict Admit(ref ReadOnlySpan<byte> packet, PackedIPAddress source, int sourcePort)
    {
        Peer? peer = PeerOf(source);
        if (peer is null || sourcePort != _port || packet.Length < IPv4Header.MinimumLength || !source.SequenceEqual(packet.Slice(12, 4)))
        {
            return UdpDatagramVerdict.UnknownPeer;
        }

        if (_key is not null)
        {
            if (packet.Length < IPv4Header.MinimumLength + TrailerLength || !IsAuthentic(packet))
            {
                return UdpDatagramVerdict.AuthenticationFailure;
            }

            if (!peer.Replay.TryAccept(BinaryPrimitives.ReadUInt64BigEndian(packet[^TrailerLength..])))
            {
                return UdpDatagramVerdict.Replay;
            }

            packet = packet[..^TrailerLength];
        }

        return UdpDatagramVerdict.Admitted;
    }

    private Peer? PeerOf(PackedIPAddress source)
    {
        Peer[] peers = Volatile.Read(ref _peers);
        for (int i = 0; i < peers.Length; i++)
        {
            if (peers[i].Address == source)
            {
                return peers[i];
            }
        }

        return null;
    }

    private bool IsAuthentic(ReadOnlySpan<byte> datagram)
    {
        Span<byte> expected = stackalloc byte[TagLength];
        HMACSHA256.HashData(_key, datagram[..^TagLength], expected);
        return CryptographicOperations.FixedTimeEquals(expected, datagram[^TagLength..]);
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

    private sealed record Peer(PackedIPAddress Address, SocketAddress SocketAddress, ReplayState Replay);

    // The highest counter accepted from a peer and which of the 64 below it were: RFC 4303 §3.4.3's sliding window.
    // Only the receive thread touches it.
    private sealed class ReplayState
    {
        private ulong _highest;
        private ulong _seen; // bit i: _highest - i was accepted

        public bool TryAccept(ulong counter)
        {
            if (counter > _highest)
            {
                ulong ahead = counter - _highest;
                _seen = ahead >= ReplayWindow ? 1 : (_seen << (int)ahead) | 1;
                _highest = counter;
                return true;
            }

            ulong behind = _highest - counter;
            if (behind >= ReplayWindow || (_seen & (1UL << (int)behind)) != 0)
            {
                return false;
            }

            _seen |= 1UL << (int)behind;
            return true;
        }
    }
}
