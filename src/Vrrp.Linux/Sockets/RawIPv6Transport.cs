using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Vrrp.Linux.Interop;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Linux.Sockets;

/// <summary>
/// VRRPv3 over an IPv6 raw socket (next header 112) on one interface, shared by every virtual router there. Sends
/// from the interface's link-local address with hop limit 255 to ff02::12 or unicast peers; receives with
/// <c>recvmsg</c>, taking the hop limit and destination from ancillary data (<c>IPV6_HOPLIMIT</c>,
/// <c>IPV6_PKTINFO</c>) into buffers pinned once, so the receive path allocates nothing per packet.
/// </summary>
public sealed unsafe class RawIPv6Transport : IVrrpTransport, IDisposable
{
    private const int SocketAddressIn6Length = 28;

    private readonly LinuxInterface _interface;
    private readonly Socket _socket;
    private readonly ConcurrentDictionary<PackedIPAddress, SocketAddress> _destinations = new();
    private readonly Thread _receiver;
    private readonly StopSignal _stop = new();
    private volatile bool _disposed;
    private long _receiveErrors;

    private RawIPv6Transport(LinuxInterface networkInterface)
    {
        _interface = networkInterface;
        Dispatcher = new AdvertisementDispatcher(AddressFamily.InterNetworkV6);
        _socket = RawSockets.Open(RawSockets.AF_INET6, VrrpPacket.IPProtocol, "CAP_NET_RAW");
        try
        {
            // Bound to the device, not to an address: adverts sent to any address of the interface are heard (a unicast
            // peer names the global one); each send names its source (IPV6_PKTINFO), the link-local one unless the
            // router was given another.
            RawSockets.BindToDevice(_socket, networkInterface.Name);
            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(IPAddress.Parse("ff02::12"), networkInterface.Index));
            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, networkInterface.Index);
            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, false);
            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255); // IPV6_MULTICAST_HOPS
            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.IpTimeToLive, 255);        // IPV6_UNICAST_HOPS
            _socket.SetRawSocketOption(MessageHeader.IPPROTO_IPV6, MessageHeader.IPV6_RECVHOPLIMIT, BitConverterOne);
            _socket.SetRawSocketOption(MessageHeader.IPPROTO_IPV6, MessageHeader.IPV6_RECVPKTINFO, BitConverterOne);
        }
        catch
        {
            _socket.Dispose();
            _stop.Dispose();
            throw;
        }

        _receiver = new Thread(() => Timing.ProtocolThreadScheduling.Run(ReceiveLoop)) { IsBackground = true, Name = $"vrrp-rx6-{networkInterface.Name}" };
        _receiver.Start();

        RehearseSend();
    }

    /// <inheritdoc/>
    public AddressFamily Family => AddressFamily.InterNetworkV6;

    /// <inheritdoc/>
    public PackedIPAddress PrimaryAddress => _interface.IPv6LinkLocal;

    /// <inheritdoc/>
    public MacAddress InterfaceMac => _interface.Mac;

    /// <inheritdoc/>
    /// <remarks>Set when the transport was opened for one router's own interface (a virtual MAC mode macvlan).</remarks>
    public string? DedicatedInterface { get; internal set; }

    /// <summary>Gets the dispatcher, with its counts of packets for unknown VRIDs.</summary>
    public AdvertisementDispatcher Dispatcher { get; }

    /// <summary>Gets the number of failed receive calls.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    private static ReadOnlySpan<byte> BitConverterOne => [1, 0, 0, 0];

    /// <summary>Opens the socket on an interface.</summary>
    /// <param name="networkInterface">The interface; it must have a link-local IPv6 address.</param>
    /// <returns>The transport.</returns>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_RAW.</exception>
    /// <exception cref="VrrpConfigurationException">The interface has no link-local address.</exception>
    public static RawIPv6Transport Open(LinuxInterface networkInterface)
    {
        ArgumentNullException.ThrowIfNull(networkInterface);
        if (networkInterface.IPv6LinkLocal.Length != 16)
        {
            throw new VrrpConfigurationException([$"Interface '{networkInterface.Name}' must have an IPv6 link-local address to send VRRP for IPv6 from (RFC 9568 §5.1.2.1)."]);
        }

        return new RawIPv6Transport(networkInterface);
    }

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination) => Send(packet, destination, _interface.IPv6LinkLocal);

    /// <inheritdoc/>
    public bool Send(ReadOnlySpan<byte> packet, PackedIPAddress destination, PackedIPAddress source)
    {
        if (_disposed || destination.Family != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        SocketAddress address = AddressOf(destination);
        bool added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            return SendMessage((int)_socket.SafeHandle.DangerousGetHandle(), packet, address, source, _interface.Index);
        }
        finally
        {
            if (added)
            {
                _socket.SafeHandle.DangerousRelease();
            }
        }
    }

    // sendmsg(2) with the source and interface in an IPV6_PKTINFO message. Outside any try block, so the JIT calls
    // libc inline rather than through a stub built at first use.
    private static unsafe bool SendMessage(int fd, ReadOnlySpan<byte> packet, SocketAddress address, PackedIPAddress source, int interfaceIndex)
    {
        Span<byte> control = stackalloc byte[MessageHeader.PacketInfoSpace];
        int controlLength = MessageHeader.WritePacketInfo(control, source, interfaceIndex);
        fixed (byte* data = packet)
        fixed (byte* name = address.Buffer.Span)
        fixed (byte* controlData = control)
        {
            var vector = new MessageHeader.iovec { iov_base = data, iov_len = (nuint)packet.Length };
            var message = new MessageHeader.msghdr
            {
                msg_name = name,
                msg_namelen = (uint)address.Size,
                msg_iov = &vector,
                msg_iovlen = 1,
                msg_control = controlData,
                msg_controllen = (nuint)controlLength,
            };
            return MessageHeader.SendMsg(fd, &message, 0) == packet.Length;
        }
    }

    // A backup may run for months before its first advertisement as master: resolve the group and compile the path
    // now, sending nothing. SendMessage gets a descriptor that cannot exist (EBADF).
    private void RehearseSend()
    {
        PackedIPAddress group = PackedIPAddress.Parse("ff02::12");
        _ = SendMessage(-1, ReadOnlySpan<byte>.Empty, AddressOf(group), _interface.IPv6LinkLocal, _interface.Index);
        _ = Send(ReadOnlySpan<byte>.Empty, default, default); // returns at the family check, and is compiled
    }

    private SocketAddress AddressOf(PackedIPAddress destination) =>
        _destinations.GetOrAdd(
            destination,
            static (d, index) => new IPEndPoint(new IPAddress(AddressBytes(d), d.IsMulticast || d.IsIPv6LinkLocal ? index : 0), 0).Serialize(),
            _interface.Index);

    /// <inheritdoc/>
    public void Register(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Register(virtualRouterId, receiver);

    /// <inheritdoc/>
    public void Unregister(byte virtualRouterId, IAdvertisementReceiver receiver) => Dispatcher.Unregister(virtualRouterId, receiver);

    /// <inheritdoc/>
    public void Dispose()
    {
        // Closing a raw socket does not wake a thread blocked on it: the loop waits on the stop signal as well.
        _disposed = true;
        _stop.Set();
        _receiver.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
        _stop.Dispose();
    }

    private static byte[] AddressBytes(PackedIPAddress address)
    {
        byte[] bytes = new byte[16];
        address.WriteTo(bytes);
        return bytes;
    }

    /// <inheritdoc/>
    public void JoinMulticastGroup(PackedIPAddress group)
    {
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group.ToIPAddress(), _interface.Index));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // joined already, by another router of this interface
        }
    }

    private void ReceiveLoop()
    {
        byte[] buffer = GC.AllocateArray<byte>(65536, pinned: true);
        byte[] control = GC.AllocateArray<byte>(256, pinned: true);
        byte[] name = GC.AllocateArray<byte>(SocketAddressIn6Length, pinned: true);
        fixed (byte* data = buffer)
        fixed (byte* controlData = control)
        fixed (byte* nameData = name)
        {
            while (!_disposed)
            {
                int controlUsed;
                nint length;
                bool added = false;
                try
                {
                    if (!_stop.WaitReadable(_socket.SafeHandle))
                    {
                        continue; // stopped: the loop condition ends it
                    }

                    _socket.SafeHandle.DangerousAddRef(ref added);
                    length = Receive(data, buffer.Length, controlData, control.Length, nameData, out nuint controlLength);
                    controlUsed = (int)controlLength;
                }
                catch (Exception) when (_disposed)
                {
                    return;
                }
                catch (SocketException)
                {
                    Interlocked.Increment(ref _receiveErrors);
                    continue;
                }
                finally
                {
                    if (added)
                    {
                        _socket.SafeHandle.DangerousRelease();
                    }
                }

                if (length < 0)
                {
                    Interlocked.Increment(ref _receiveErrors);
                    continue;
                }

                MessageHeader.ReadPacketInfo(control.AsSpan(0, controlUsed), out byte hopLimit, out PackedIPAddress destination, out _);
                PackedIPAddress source = PackedIPAddress.FromBytes(name.AsSpan(8, 16));
                try
                {
                    Dispatcher.Dispatch(buffer.AsSpan(0, (int)length), new PacketMetadata(source, destination, hopLimit));
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

    private nint Receive(byte* data, int dataLength, byte* controlData, int controlLength, byte* nameData, out nuint controlUsed)
    {
        var vector = new MessageHeader.iovec { iov_base = data, iov_len = (nuint)dataLength };
        var message = new MessageHeader.msghdr
        {
            msg_name = nameData,
            msg_namelen = SocketAddressIn6Length,
            msg_iov = &vector,
            msg_iovlen = 1,
            msg_control = controlData,
            msg_controllen = (nuint)controlLength,
        };
        nint length = MessageHeader.RecvMsg((int)_socket.SafeHandle.DangerousGetHandle(), &message, 0);
        controlUsed = message.msg_controllen;
        return length;
    }
}
