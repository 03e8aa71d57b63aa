using System.Buffers.Binary;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Listens to route netlink address events (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR) and reports every address removed
/// from an interface, so that a master can put back a virtual address someone else took away; and, when asked, every
/// address added (a source address check follows its address both ways).
/// </summary>
internal sealed class AddressWatcher : IDisposable
{
    private const ushort RTM_NEWADDR = 20;
    private const ushort RTM_DELADDR = 21;
    private const uint RTMGRP_IPV4_IFADDR = 0x10;
    private const uint RTMGRP_IPV6_IFADDR = 0x100;
    private const ushort IFA_ADDRESS = 1;
    private const ushort IFA_LOCAL = 2;

    private readonly NetlinkSubscription _subscription;
    private readonly Action<int, PackedIPAddress> _removed;
    private readonly Action<int, PackedIPAddress>? _added;

    public AddressWatcher(Action<int, PackedIPAddress> removed, Action<int, PackedIPAddress>? added = null, Action? overflowed = null)
    {
        _removed = removed;
        _added = added;
        _subscription = new NetlinkSubscription(0 /* NETLINK_ROUTE */, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, "vrrp-address-watcher", OnMessage, overflowed, start: true);
    }

    public void Dispose() => _subscription.Dispose();

    // ifaddrmsg: u8 family, u8 prefix length, u8 flags, u8 scope, u32 index; then attributes.
    private void OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (TryReadRemoved(type, payload, out int interfaceIndex, out PackedIPAddress removed))
        {
            _removed(interfaceIndex, removed);
        }
        else if (_added is not null && TryReadAdded(type, payload, out interfaceIndex, out PackedIPAddress added))
        {
            _added(interfaceIndex, added);
        }
    }

    /// <summary>Reads an RTM_NEWADDR message's interface and address; false for anything else.</summary>
    internal static bool TryReadAdded(ushort type, ReadOnlySpan<byte> payload, out int interfaceIndex, out PackedIPAddress address) =>
        TryRead(RTM_NEWADDR, type, payload, out interfaceIndex, out address);

    /// <summary>Reads an RTM_DELADDR message's interface and address; false for anything else.</summary>
    internal static bool TryReadRemoved(ushort type, ReadOnlySpan<byte> payload, out int interfaceIndex, out PackedIPAddress address) =>
        TryRead(RTM_DELADDR, type, payload, out interfaceIndex, out address);

    // ifaddrmsg, then its attributes: the interface index and the address of a message of the expected type.
    private static bool TryRead(ushort expected, ushort type, ReadOnlySpan<byte> payload, out int interfaceIndex, out PackedIPAddress address)
    {
        interfaceIndex = 0;
        address = default;
        if (type != expected || payload.Length < 8 || !TryReadAddress(payload[8..], out address))
        {
            return false;
        }

        interfaceIndex = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        return true;
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
}
