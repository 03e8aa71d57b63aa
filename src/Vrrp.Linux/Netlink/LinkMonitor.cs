using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Watches link state with route netlink events (RTMGRP_LINK) and tells the routers on an interface when it goes
/// down (Fault) and comes back (Backup again), as keepalived's interface tracking does.
/// </summary>
public sealed unsafe class LinkMonitor : IDisposable
{
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const uint RTMGRP_LINK = 1;
    private const uint IFF_UP = 0x1;
    private const uint IFF_RUNNING = 0x40;

    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly Dictionary<int, List<VirtualRouter>> _routers = [];
    private readonly Dictionary<int, bool> _state = [];
    private volatile bool _disposed;

    /// <summary>Opens a netlink socket subscribed to link events and starts listening.</summary>
    /// <exception cref="UnauthorizedAccessException">The socket cannot be opened.</exception>
    public LinkMonitor()
    {
        _socket = RawSockets.Open(RawSockets.AF_NETLINK, 0, "CAP_NET_ADMIN");
        SocketAddressNetlink address = default;
        address.Family = RawSockets.AF_NETLINK;
        address.Groups = RTMGRP_LINK;
        if (LibC.bind((int)_socket.SafeHandle.DangerousGetHandle(), (sockaddr*)&address, sizeof(SocketAddressNetlink)) != 0)
        {
            int errno = Errno.Last;
            _socket.Dispose();
            throw Errno.Failure("bind(AF_NETLINK, RTMGRP_LINK)", errno);
        }

        _thread = new Thread(Listen) { IsBackground = true, Name = "vrrp-link-monitor" };
        _thread.Start();
    }

    /// <summary>Tracks an interface for a router: its link state drives the router's Fault state.</summary>
    /// <param name="interfaceIndex">The interface index.</param>
    /// <param name="router">The router on that interface.</param>
    public void Track(int interfaceIndex, VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_routers)
        {
            if (!_routers.TryGetValue(interfaceIndex, out List<VirtualRouter>? list))
            {
                _routers[interfaceIndex] = list = [];
            }

            list.Add(router);
        }

        // Events tell of changes only: take the link's state now, so that a link already down at start means Fault.
        System.Net.NetworkInformation.NetworkInterface? nic = Array.Find(
            System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces(),
            n => n.Name == router.Interface);
        if (nic is not null)
        {
            bool up = nic.OperationalStatus is System.Net.NetworkInformation.OperationalStatus.Up or System.Net.NetworkInformation.OperationalStatus.Unknown;
            lock (_routers)
            {
                _state[interfaceIndex] = up;
            }

            router.SetInterfaceUp(up);
        }
    }

    /// <summary>Stops tracking a router.</summary>
    /// <param name="router">The router.</param>
    public void Untrack(VirtualRouter router)
    {
        lock (_routers)
        {
            foreach (List<VirtualRouter> list in _routers.Values)
            {
                list.Remove(router);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
    }

    private void Listen()
    {
        byte[] buffer = new byte[16384];
        while (!_disposed)
        {
            int length;
            try
            {
                if (!_socket.Poll(200_000, SelectMode.SelectRead))
                {
                    continue;
                }

                length = _socket.Receive(buffer);
            }
            catch (SocketException) when (!_disposed)
            {
                continue; // ENOBUFS after a burst: the next event brings the state again
            }
            catch (Exception) when (_disposed)
            {
                return;
            }

            ReadOnlySpan<byte> messages = buffer.AsSpan(0, length);
            while (messages.Length >= 16 + 16)
            {
                int messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(messages);
                if (messageLength < 16 || messageLength > messages.Length)
                {
                    break;
                }

                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(messages[4..]);
                if (type is RTM_NEWLINK or RTM_DELLINK && messageLength >= 32)
                {
                    // ifinfomsg: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change
                    int index = BinaryPrimitives.ReadInt32LittleEndian(messages[20..]);
                    uint flags = BinaryPrimitives.ReadUInt32LittleEndian(messages[24..]);
                    bool up = type == RTM_NEWLINK && (flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
                    OnLink(index, up);
                }

                messages = messages[Math.Min(messages.Length, (messageLength + 3) & ~3)..];
            }
        }
    }

    private void OnLink(int index, bool up)
    {
        VirtualRouter[] routers;
        lock (_routers)
        {
            if (!_routers.TryGetValue(index, out List<VirtualRouter>? list) || (_state.TryGetValue(index, out bool was) && was == up))
            {
                return;
            }

            _state[index] = up;
            routers = [.. list];
        }

        foreach (VirtualRouter router in routers)
        {
            router.SetInterfaceUp(up);
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
