using System.Net;
using System.Net.Sockets;
using Vrrp.Linux.Interop;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Linux.Sockets;

/// <summary>
/// VRRP over IPv4 raw sockets on one interface, shared by every virtual router there: protocol 112, and 51 for
/// VRRPv2 with an IP Authentication Header. Joins 224.0.0.18 on the interface, sends whole datagrams
/// (<c>IP_HDRINCL</c>: TTL 255 and the interface's primary address as source, written by the codec), and receives
/// on dedicated threads into reused buffers, so the receive path allocates nothing per packet.
/// </summary>
public sealed class RawIPv4Transport : IVrrpTransport, IDisposable
{
    private static readonly IPAddress s_group = IPAddress.Parse("224.0.0.18");

    private readonly LinuxInterface _interface;
    private readonly Socket _vrrp;
    private readonly Socket _ah;
    private readonly Thread[] _receivers;
    private readonly StopSignal _stop = new();
    private volatile bool _disposed;
    private long _receiveErrors;

    private RawIPv4Transport(LinuxInterface networkInterface)
    {
        _interface = networkInterface;
        Dispatcher = new AdvertisementDispatcher(AddressFamily.InterNetwork);
        _vrrp = OpenSocket(VrrpPacket.IPProtocol);
        _ah = OpenSocket(AuthenticationHeader.IPProtocol);
        _vrrp.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
        _receivers = [StartReceiver(_vrrp, "vrrp"), StartReceiver(_ah, "ah")];

        RehearseSend();
    }

    /// <inheritdoc/>
    public AddressFamily Family => AddressFamily.InterNetwork;

    /// <inheritdoc/>
    public PackedIPAddress PrimaryAddress => _interface.PrimaryIPv4;

    /// <inheritdoc/>
    public MacAddress InterfaceMac => _interface.Mac;

    /// <inheritdoc/>
    /// <remarks>Set when the transport was opened for one router's own interface (a virtual MAC mode macvlan).</remarks>
    public string? DedicatedInterface { get; internal set; }

    /// <summary>Gets the interface.</summary>
    public LinuxInterface Interface => _interface;

    /// <summary>Gets the dispatcher, with its counts of packets for unknown VRIDs.</summary>
    public AdvertisementDispatcher Dispatcher { get; }

    /// <summary>Gets the number of failed receive calls.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Opens the sockets on an interface.</summary>
    /// <param name="networkInterface">The interface; it must have an IPv4 address.</param>
    /// <returns>The transport.</returns>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_RAW.</exception>
    /// <exception cref="VrrpConfigurationException">The interface has no IPv4 address.</exception>
    public static RawIPv4Transport Open(LinuxInterface networkInterface)
    {
        ArgumentNullException.ThrowIfNull(networkInterface);
        if (networkInterface.PrimaryIPv4.Length == 0)
        {
            throw new VrrpConfigurationException([$"Interface '{networkInterface.Name}' must have an IPv4 address to send VRRP for IPv4 from."]);
        }

        return new RawIPv4Transport(networkInterface);
    }

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination)
    {
        if (_disposed || destination.Family != AddressFamily.InterNetwork)
        {
            return false;
        }

        bool added = false;
        try
        {
            _vrrp.SafeHandle.DangerousAddRef(ref added);
            return SendTo((int)_vrrp.SafeHandle.DangerousGetHandle(), packet, destination);
        }
        catch (ObjectDisposedException)
        {
            return false; // disposed meanwhile
        }
        finally
        {
            if (added)
            {
                _vrrp.SafeHandle.DangerousRelease();
            }
        }
    }

    // sendto(2) straight on the descriptor, with the address built on the stack: Socket.SendTo would look the
    // destination's SocketAddress up and go through four layers of the runtime for the same system call, once per
    // advertisement. Outside any try block, so the JIT calls libc inline rather than through a stub built at first use.
    private static unsafe bool SendTo(int fd, ReadOnlySpan<byte> packet, PackedIPAddress destination)
    {
        SocketAddressIPv4 address = default;
        address.Family = RawSockets.AF_INET;
        destination.WriteTo(new Span<byte>(address.Address, 4));
        fixed (byte* data = packet)
        {
            // A failure (the link is down, say) is counted by the router.
            return RawSockets.SendTo(fd, data, (nuint)packet.Length, 0, &address, (uint)sizeof(SocketAddressIPv4)) == packet.Length;
        }
    }

    // A backup may run for months before its first advertisement as master: compile that path now, sending nothing.
    // Send returns at its family check; SendTo gets a descriptor that cannot exist (EBADF). Measured with a JIT vrrpd,
    // one router: the takeover compiled Send and sendto's stub on the timer thread, and its advert left 1.6 ms late.
    private void RehearseSend()
    {
        _ = Send(ReadOnlySpan<byte>.Empty, default);
        _ = SendTo(-1, ReadOnlySpan<byte>.Empty, s_rehearsalDestination);
    }

    private static readonly PackedIPAddress s_rehearsalDestination = PackedIPAddress.Parse("224.0.0.18");

    /// <inheritdoc/>
    public void Register(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Register(virtualRouterId, receiver);

    /// <inheritdoc/>
    public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Unregister(virtualRouterId, receiver);

    /// <inheritdoc/>
    public void Dispose()
    {
        // Closing a raw socket does not wake a thread blocked in recv on it: the loops wait on the stop signal as well.
        _disposed = true;
        _stop.Set();
        foreach (Thread receiver in _receivers)
        {
            receiver.Join(TimeSpan.FromSeconds(2));
        }

        _vrrp.Dispose();
        _ah.Dispose();
        _stop.Dispose();
    }

    /// <inheritdoc/>
    public void JoinMulticastGroup(PackedIPAddress group)
    {
        IPAddress address = group.ToIPAddress();
        foreach (Socket socket in new[] { _vrrp, _ah })
        {
            try
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(address, _interface.Index));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // joined already, by another router of this interface
            }
        }
    }

    private Socket OpenSocket(byte protocol)
    {
        Socket socket = RawSockets.Open(RawSockets.AF_INET, protocol, "CAP_NET_RAW");
        try
        {
            RawSockets.BindToDevice(socket, _interface.Name);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(s_group, _interface.Index));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.HostToNetworkOrder(_interface.Index));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Thread StartReceiver(Socket socket, string name)
    {
        var thread = new Thread(() => Timing.ProtocolThreadScheduling.Run(() => ReceiveLoop(socket))) { IsBackground = true, Name = $"vrrp-rx-{_interface.Name}-{name}" };
        thread.Start();
        return thread;
    }

    private void ReceiveLoop(Socket socket)
    {
        byte[] buffer = GC.AllocateArray<byte>(65536, pinned: true);
        while (!_disposed)
        {
            int length;
            try
            {
                if (!_stop.WaitReadable(socket.SafeHandle))
                {
                    continue; // stopped: the loop condition ends it
                }

                length = socket.Receive(buffer);
            }
            catch (SocketException) when (!_disposed)
            {
                Interlocked.Increment(ref _receiveErrors);
                continue;
            }
            catch (Exception) when (_disposed)
            {
                return;
            }

            try
            {
                // The dispatcher reads the header, once, and takes the addresses and TTL from it.
                Dispatcher.Dispatch(buffer.AsSpan(0, length), default);
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
