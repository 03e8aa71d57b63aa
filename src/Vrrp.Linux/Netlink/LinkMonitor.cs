using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Watches link state with route netlink events (RTMGRP_LINK) and tells the routers on an interface when it goes
/// down (Fault) and comes back (Backup again), as keepalived's interface tracking does.
/// </summary>
public sealed class LinkMonitor : IDisposable
{
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const uint RTMGRP_LINK = 1;
    private const uint IFF_UP = 0x1;
    private const uint IFF_RUNNING = 0x40;

    private readonly NetlinkSubscription _subscription;
    private readonly Dictionary<int, List<VirtualRouter>> _routers = [];
    private readonly Dictionary<int, bool> _state = [];

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

    /// <inheritdoc/>
    public void Dispose() => _subscription.Dispose();

    // ifinfomsg: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change.
    private void OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (TryReadLink(type, payload, out int interfaceIndex, out bool up))
        {
            OnLink(interfaceIndex, up);
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
        if (type is not (RTM_NEWLINK or RTM_DELLINK) || payload.Length < 16)
        {
            return false;
        }

        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        interfaceIndex = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        up = type == RTM_NEWLINK && (flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
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
