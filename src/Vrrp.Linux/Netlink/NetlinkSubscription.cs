using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// A route netlink socket bound to multicast groups, read on a thread of its own that hands each message (its type
/// and its bytes after the 16-byte header) to a handler. Shared by the link and address watchers.
/// </summary>
internal sealed unsafe class NetlinkSubscription : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly MessageHandler _handler;
    private readonly StopSignal _stop = new();
    private volatile bool _disposed;

    public NetlinkSubscription(uint groups, string name, MessageHandler handler)
    {
        _handler = handler;
        _socket = RawSockets.Open(RawSockets.AF_NETLINK, 0 /* NETLINK_ROUTE */, "CAP_NET_ADMIN");
        SocketAddressNetlink address = default;
        address.Family = RawSockets.AF_NETLINK;
        address.Groups = groups;
        if (LibC.bind((int)_socket.SafeHandle.DangerousGetHandle(), (sockaddr*)&address, sizeof(SocketAddressNetlink)) != 0)
        {
            int errno = Errno.Last;
            _socket.Dispose();
            _stop.Dispose();
            throw Errno.Failure($"bind(AF_NETLINK, groups 0x{groups:x})", errno);
        }

        _thread = new Thread(Listen) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public delegate void MessageHandler(ushort type, ReadOnlySpan<byte> payload);

    public void Dispose()
    {
        // Closing a netlink socket does not wake a thread blocked on it: the loop waits on the stop signal as well.
        _disposed = true;
        _stop.Set();
        _thread.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
        _stop.Dispose();
    }

    private void Listen()
    {
        byte[] buffer = new byte[16384];
        while (!_disposed)
        {
            int length;
            try
            {
                if (!_stop.WaitReadable(_socket.SafeHandle))
                {
                    continue; // stopped: the loop condition ends it
                }

                length = _socket.Receive(buffer);
            }
            catch (SocketException) when (!_disposed)
            {
                continue; // ENOBUFS after a burst: later events carry the state again
            }
            catch (Exception) when (_disposed)
            {
                return;
            }

            var reader = new NetlinkMessageReader(buffer.AsSpan(0, length));
            while (reader.TryRead(out ushort type, out ReadOnlySpan<byte> payload))
            {
                try
                {
                    _handler(type, payload);
                }
#pragma warning disable CA1031 // a failing handler must not stop the subscription
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }
    }

    private struct SocketAddressNetlink
    {
        public ushort Family;
        public ushort Padding;
        public uint PortId;
        public uint Groups;
    }
}
