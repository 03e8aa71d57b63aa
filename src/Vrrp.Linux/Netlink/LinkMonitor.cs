using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Vrrp.Health;
using Vrrp.Linux.Links;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Watches link state with route netlink events (RTMGRP_LINK): tells the routers on an interface when it goes down
/// (Fault) and comes back (Backup again), and keeps the state of interfaces that checks track by name
/// (keepalived's <c>track_interface</c>, <see cref="CreateInterfaceCheck"/>), as keepalived's interface tracking does.
/// One monitor, one socket, for a process: nothing polls.
/// </summary>
public sealed class LinkMonitor : IDisposable
{
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const uint RTMGRP_LINK = 1;
    private const uint IFF_UP = 0x1;
    private const uint IFF_RUNNING = 0x40;
    private const ushort IFLA_IFNAME = 3;
    private const byte AF_UNSPEC = 0;

    private readonly NetlinkSubscription _subscription;
    private readonly Dictionary<int, List<VirtualRouter>> _routers = [];
    private readonly Dictionary<int, bool> _state = [];
    private readonly Dictionary<string, List<InterfaceLinkHealthCheck>> _checks = new(StringComparer.Ordinal);

    /// <summary>Opens a netlink socket subscribed to link events and starts listening.</summary>
    /// <exception cref="UnauthorizedAccessException">The socket cannot be opened.</exception>
    public LinkMonitor() => _subscription = new NetlinkSubscription(RTMGRP_LINK, "vrrp-link-monitor", OnMessage);

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
        if (IsOperationallyUp(router.Interface) is bool up)
        {
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

    /// <summary>
    /// Makes a check that is healthy while the named interface is up and running, for <c>track_interface</c>: it
    /// reads the state this monitor keeps from netlink events, so a run does no I/O and allocates nothing.
    /// </summary>
    /// <param name="interfaceName">The interface, which may not exist yet: it is down until it appears.</param>
    /// <returns>The check; dispose it to stop following the interface.</returns>
    /// <exception cref="ArgumentException">The name is empty, longer than IFNAMSIZ − 1, or holds a '/'.</exception>
    public InterfaceLinkHealthCheck CreateInterfaceCheck(string interfaceName)
    {
        var check = new InterfaceLinkHealthCheck(this, interfaceName);
        lock (_routers)
        {
            if (!_checks.TryGetValue(interfaceName, out List<InterfaceLinkHealthCheck>? list))
            {
                _checks[interfaceName] = list = [];
            }

            list.Add(check);

            // Events tell of changes only: the state now, read once, under the lock events take, so an event handled
            // meanwhile is never overwritten by this older reading.
            check.Set(IsOperationallyUp(interfaceName) is bool up ? (up ? LinkState.Up : LinkState.Down) : LinkState.Missing);
        }

        return check;
    }

    /// <inheritdoc/>
    public void Dispose() => _subscription.Dispose();

    internal void Forget(InterfaceLinkHealthCheck check)
    {
        lock (_routers)
        {
            if (_checks.TryGetValue(check.InterfaceName, out List<InterfaceLinkHealthCheck>? list))
            {
                list.Remove(check);
                if (list.Count == 0)
                {
                    _checks.Remove(check.InterfaceName);
                }
            }
        }
    }

    // ifinfomsg: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change.
    private void OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (TryReadLink(type, payload, out int interfaceIndex, out bool up))
        {
            OnLink(interfaceIndex, up);
            if (_checks.Count > 0 && TryReadName(payload, out ReadOnlySpan<byte> name))
            {
                OnNamedLink(name, type == RTM_DELLINK ? LinkState.Missing : up ? LinkState.Up : LinkState.Down);
            }
        }
    }

    /// <summary>
    /// Reads a link's operational state from <c>/sys/class/net/NAME/operstate</c>, which is what
    /// <see cref="System.Net.NetworkInformation.NetworkInterface.OperationalStatus"/> reports: <c>up</c>, and
    /// <c>unknown</c> (links that report no state, such as <c>lo</c>), count as up. One small read, where
    /// <c>NetworkInterface.GetAllNetworkInterfaces()</c> reads several files of every interface (kilobytes of buffers
    /// each time, per router at start).
    /// </summary>
    /// <returns>Whether the link is up, or <see langword="null"/> when there is no such interface.</returns>
    internal static bool? IsOperationallyUp(string interfaceName)
    {
        try
        {
            using SafeFileHandle file = File.OpenHandle($"/sys/class/net/{interfaceName}/operstate");
            Span<byte> text = stackalloc byte[32];
            ReadOnlySpan<byte> state = text[..RandomAccess.Read(file, text, 0)].TrimEnd((byte)'\n');
            return state.SequenceEqual("up"u8) || state.SequenceEqual("unknown"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads an RTM_NEWLINK or RTM_DELLINK message: the interface, and whether it is up and running.</summary>
    internal static bool TryReadLink(ushort type, ReadOnlySpan<byte> payload, out int interfaceIndex, out bool up)
    {
        interfaceIndex = 0;
        up = false;

        // ifi_family AF_UNSPEC only: a bridge's port events (AF_BRIDGE, an RTM_DELLINK when a port leaves the bridge)
        // tell nothing of the link itself.
        if (type is not (RTM_NEWLINK or RTM_DELLINK) || payload.Length < 16 || payload[0] != AF_UNSPEC)
        {
            return false;
        }

        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        interfaceIndex = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        up = type == RTM_NEWLINK && (flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
        return true;
    }

    /// <summary>Reads IFLA_IFNAME from the attributes after an ifinfomsg: the name, without its NUL.</summary>
    internal static bool TryReadName(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> name)
    {
        name = default;
        int offset = 16; // sizeof(struct ifinfomsg)
        while (offset + 4 <= payload.Length)
        {
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(payload[offset..]);
            ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(payload[(offset + 2)..]) & 0x3FFF); // NLA_F_* flags off
            if (length < 4 || offset + length > payload.Length)
            {
                return false;
            }

            if (type == IFLA_IFNAME)
            {
                name = payload.Slice(offset + 4, length - 4);
                int end = name.IndexOf((byte)0);
                name = end >= 0 ? name[..end] : name;
                return name.Length > 0;
            }

            offset += (length + 3) & ~3; // RTA_ALIGN
        }

        return false;
    }

    private void OnNamedLink(ReadOnlySpan<byte> name, LinkState state)
    {
        lock (_routers)
        {
            // A handful of tracked names: compare bytes, no string per event.
            foreach ((string tracked, List<InterfaceLinkHealthCheck> checks) in _checks)
            {
                if (Matches(tracked, name))
                {
                    foreach (InterfaceLinkHealthCheck check in checks)
                    {
                        check.Set(state);
                    }

                    return;
                }
            }
        }
    }

    private static bool Matches(string name, ReadOnlySpan<byte> bytes)
    {
        if (name.Length != bytes.Length)
        {
            return false;
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            if (name[i] != bytes[i])
            {
                return false;
            }
        }

        return true;
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
}
