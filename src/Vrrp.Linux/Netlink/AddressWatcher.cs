using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Addressing;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Listens to route netlink address events (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR) and reports every address removed
/// from an interface, so that a master can put back a virtual address someone else took away.
/// </summary>
internal sealed unsafe class AddressWatcher : IDisposable
{
    private const ushort RTM_DELADDR = 21;
    private const uint RTMGRP_IPV4_IFADDR = 0x10;
    private const uint RTMGRP_IPV6_IFADDR = 0x100;
    private const ushort IFA_ADDRESS = 1;
    private const ushort IFA_LOCAL = 2;

    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly Action<int, PackedIPAddress> _removed;
    private volatile bool _disposed;

    public AddressWatcher(Action<int, PackedIPAddress> removed)
    {
        _removed = removed;
        _socket = RawSockets.Open(RawSockets.AF_NETLINK, 0, "CAP_NET_ADMIN");
        SocketAddressNetlink address = default;
        address.Family = RawSockets.AF_NETLINK;
        address.Groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
        if (LibC.bind((int)_socket.SafeHandle.DangerousGetHandle(), (sockaddr*)&address, sizeof(SocketAddressNetlink)) != 0)
        {
            int errno = Errno.Last;
            _socket.Dispose();
            throw Errno.Failure("bind(AF_NETLINK, RTMGRP_IFADDR)", errno);
        }

        _thread = new Thread(Listen) { IsBackground = true, Name = "vrrp-address-watcher" };
        _thread.Start();
    }

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
                continue;
            }
            catch (Exception) when (_disposed)
            {
                return;
            }

            ReadOnlySpan<byte> messages = buffer.AsSpan(0, length);
            while (messages.Length >= 24)
            {
                int messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(messages);
                if (messageLength < 16 || messageLength > messages.Length)
                {
                    break;
                }

                if (BinaryPrimitives.ReadUInt16LittleEndian(messages[4..]) == RTM_DELADDR && messageLength >= 24)
                {
                    int index = BinaryPrimitives.ReadInt32LittleEndian(messages[20..]);
                    if (TryReadAddress(messages[24..messageLength], out PackedIPAddress removed))
                    {
                        try
                        {
                            _removed(index, removed);
                        }
#pragma warning disable CA1031 // a failing handler must not stop the watcher
                        catch (Exception)
#pragma warning restore CA1031
                        {
                        }
                    }
                }

                messages = messages[Math.Min(messages.Length, (messageLength + 3) & ~3)..];
            }
        }
    }

    private static bool TryReadAddress(ReadOnlySpan<byte> attributes, out PackedIPAddress address)
    {
        address = default;
        while (attributes.Length >= 4)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
            {
                return false;
            }

            int payload = length - 4;
            if ((type == IFA_LOCAL || (type == IFA_ADDRESS && address.Length == 0)) && payload is 4 or 16)
            {
                address = PackedIPAddress.FromBytes(attributes.Slice(4, payload));
            }

            attributes = attributes[Math.Min(attributes.Length, (length + 3) & ~3)..];
        }

        return address.Length != 0;
    }

    private struct SocketAddressNetlink
    {
        public ushort Family;
        public ushort Padding;
        public uint PortId;
        public uint Groups;
    }
}
