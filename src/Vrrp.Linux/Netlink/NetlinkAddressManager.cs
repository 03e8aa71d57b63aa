using Vrrp.Addressing;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Adds and removes virtual addresses with route netlink (RTM_NEWADDR / RTM_DELADDR), and only ours: an address is
/// added marked with our IFA_PROTO value, an address that is already there is never replaced, and only an address this
/// manager added, or one an earlier run marked ours, is ever removed. Adding an address already ours, or removing one
/// that is gone, is not an error. Failures are counted and kept for status, never thrown into the protocol.
/// </summary>
/// <remarks>
/// An administrator's address equal to a virtual address is left alone, added and removed by no one but them, and
/// reported by <see cref="AddressNotOwned"/>: deleting a primary address would take its secondaries with it. Before the
/// first IPv4 address goes on an interface, <c>promote_secondaries</c> is set there (as keepalived does), so that
/// removing a primary promotes a secondary instead of deleting it; the value is put back on dispose.
/// </remarks>
public sealed partial class NetlinkAddressManager : IVirtualAddressManager, IDisposable
{
    private readonly object _gate = new();
    private readonly System.Net.Sockets.Socket _socket;
    private readonly byte[] _request = new byte[1024]; // a route with every metric takes about 300, and 16 paths up to 576 more
    private readonly byte[] _response = new byte[32768]; // a dump's batches are at most what one receive offers
    // What a master holds, to put back what others remove: the key has the address already, so the value keeps only
    // what else a re-add needs (the whole VirtualAddress again made every entry 24 bytes larger, one per router).
    private readonly Dictionary<(int Index, PackedIPAddress Address), (string Interface, byte PrefixLength, AddressPlacement Placement)> _held = [];
    private readonly HashSet<(int Index, PackedIPAddress Address)> _static = [];
    private readonly Dictionary<string, string> _promoteSecondaries = new(StringComparer.Ordinal); // interface -> value before ours
    private readonly AddressWatcher _watcher;
    private readonly RouteWatcher _routeWatcher;
    private uint _sequence;
    private long _restored;
    private Action? _betweenSeenAndRestore; // tests only: runs where the watcher has let go of the lock
    private long _notOwned;

    /// <summary>Opens a route netlink socket, and another that watches for our addresses being removed from outside.</summary>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_ADMIN.</exception>
    public NetlinkAddressManager()
    {
        _socket = RawSockets.Open(RawSockets.AF_NETLINK, 0 /* NETLINK_ROUTE */, "CAP_NET_ADMIN");
        _socket.ReceiveTimeout = 2000;
        _watcher = new AddressWatcher(OnRemoved);
        _routeWatcher = new RouteWatcher(OnRouteDeleted, OnRuleDeleted, OnRouteEventsLost);
    }

    /// <summary>Raised when a virtual address that a master holds was removed from outside and has been put back.</summary>
    public event EventHandler<VirtualAddress>? AddressRestored;

    /// <summary>
    /// Raised when a virtual address to be added or removed is on its interface but is not ours (configured by hand,
    /// or by another program): it is left as it is. Raised on the thread that asked.
    /// </summary>
    public event EventHandler<AddressNotOwnedEventArgs>? AddressNotOwned;

    /// <summary>
    /// Raised when the kernel refused to add or remove a router's address (<see cref="IVirtualAddressManager"/> calls
    /// only; the router stays in its state, as keepalived's does). Raised on the thread that asked.
    /// </summary>
    public event EventHandler<AddressRequestFailedEventArgs>? RequestFailed;

    /// <summary>Gets how many times an address was found on its interface but not ours, and left alone.</summary>
    public long NotOwned => Interlocked.Read(ref _notOwned);

    /// <summary>Gets how many times an address removed from outside was put back.</summary>
    public long Restored => Interlocked.Read(ref _restored);

    /// <summary>Gets the number of requests the kernel refused.</summary>
    public long Failures { get; private set; }

    /// <summary>Gets the last refusal, for status and logs.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Gets or sets the firewall that enforces <see cref="VirtualRouterOptions.AcceptMode"/> = false, or null (the
    /// default) to leave the kernel accepting packets to the virtual addresses, as keepalived does unless told
    /// <c>no_accept</c> or <c>vrrp_strict</c>. With one, a router that is not the address owner (base priority 255)
    /// and has accept mode off blocks its addresses before adding them and unblocks them after removing them.
    /// </summary>
    public Firewall.AcceptModeFirewall? AcceptModeFirewall { get; set; }

    private bool Enforces(VirtualRouter router) => AcceptModeFirewall is not null && !router.AcceptMode && router.BasePriority != 255;

    // A router's addresses by the interface each goes on (its dev, else the router's): a transition's few, off the loop.
    private static IEnumerable<(string Device, VirtualAddress[] Addresses)> ByDevice(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses) =>
        addresses.GroupBy(a => router.PlacementOf(a).Device ?? router.Interface, StringComparer.Ordinal).Select(static g => (g.Key, g.ToArray()));

    /// <inheritdoc/>
    public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        if (Enforces(router))
        {
            // Before the addresses: no packet to them is ever taken in. A link-local one is matched on its own interface.
            foreach ((string device, VirtualAddress[] onDevice) in ByDevice(router, addresses))
            {
                AcceptModeFirewall!.Block(device, onDevice);
            }
        }

        for (int i = 0; i < addresses.Count; i++)
        {
            AddressPlacement placement = router.PlacementOf(addresses[i]);
            string interfaceName = placement.Device ?? router.Interface;
            int errno = Add(interfaceName, addresses[i], placement);
            if (errno is not (0 or Errno.EEXIST))
            {
                RequestFailed?.Invoke(this, new AddressRequestFailedEventArgs(interfaceName, addresses[i], adding: true, errno));
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Only what this manager added is removed: a router leaving Master never takes an administrator's address.</remarks>
    public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        for (int i = 0; i < addresses.Count; i++)
        {
            string interfaceName = router.PlacementOf(addresses[i]).Device ?? router.Interface;
            int errno = Remove(interfaceName, addresses[i], heldOnly: true);
            if (errno is not (0 or Errno.EEXIST))
            {
                RequestFailed?.Invoke(this, new AddressRequestFailedEventArgs(interfaceName, addresses[i], adding: false, errno));
            }
        }

        if (Enforces(router))
        {
            foreach ((string device, VirtualAddress[] onDevice) in ByDevice(router, addresses))
            {
                AcceptModeFirewall!.Unblock(device, onDevice);
            }
        }
    }

    /// <summary>Adds one address, marked ours; an address already there and not ours is left alone and reported.</summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="address">The address.</param>
    /// <returns>0 (added, or ours already), <c>EEXIST</c> (17) when the address is there but not ours, or the errno the kernel answered.</returns>
    public int Add(string interfaceName, VirtualAddress address) => Add(interfaceName, address, AddressPlacement.Default);

    /// <summary>Adds one address with its label, scope and broadcast address, marked ours; an address already there and not ours is left alone and reported.</summary>
    /// <param name="interfaceName">The interface (the placement's <see cref="AddressPlacement.Device"/> is not read: the caller chose).</param>
    /// <param name="address">The address.</param>
    /// <param name="placement">Its label, scope and broadcast address.</param>
    /// <returns>0 (added, or ours already), <c>EEXIST</c> (17) when the address is there but not ours, or the errno the kernel answered.</returns>
    public int Add(string interfaceName, VirtualAddress address, AddressPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        ArgumentNullException.ThrowIfNull(placement);
        int result;
        lock (_gate)
        {
            int index = IndexOf(interfaceName);
            if (index <= 0)
            {
                return Fail($"no interface '{interfaceName}'", Errno.ENOENT);
            }

            if (_held.ContainsKey((index, address.Address)))
            {
                // Ours already: there it stays, and if someone took it away it is back. There, but put back by someone
                // else before the watcher could (an administrator's now): no longer ours.
                result = Request(NetlinkAddressMessage.RTM_NEWADDR, index, interfaceName, address, placement);
                if (result == Errno.EEXIST && OwnerOf(index, address) == Owner.Someone)
                {
                    _held.Remove((index, address.Address));
                }
                else
                {
                    return result is 0 or Errno.EEXIST ? 0 : Fail($"adding {address} on {interfaceName}", result);
                }
            }
            else
            {
                PromoteSecondaries(interfaceName, address);
                result = Request(NetlinkAddressMessage.RTM_NEWADDR, index, interfaceName, address, placement);
                if (result == Errno.EEXIST)
                {
                    // There already: ours if an earlier run marked it (a crash), else an administrator's.
                    result = OwnerOf(index, address) == Owner.Us ? 0 : Errno.EEXIST;
                }
            }

            if (result == 0)
            {
                _held[(index, address.Address)] = (interfaceName, address.PrefixLength, placement);
                return 0;
            }

            if (result != Errno.EEXIST)
            {
                return Fail($"adding {address} on {interfaceName}", result);
            }
        }

        ReportNotOwned(interfaceName, address);
        return result;
    }

    /// <summary>
    /// Adds an address held apart from any router (keepalived's <c>static_ipaddress</c>), as <see cref="Add(string, VirtualAddress, AddressPlacement)"/>
    /// does; unlike a virtual address, a transport may take it as the interface's source address.
    /// </summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="address">The address.</param>
    /// <param name="placement">Its label, scope, broadcast address, peer and flags.</param>
    /// <returns>0, <c>EEXIST</c> (17) when the address is there but not ours, or the errno the kernel answered.</returns>
    public int AddStaticAddress(string interfaceName, VirtualAddress address, AddressPlacement placement)
    {
        lock (_gate)
        {
            int result = Add(interfaceName, address, placement);
            if (result == 0)
            {
                _static.Add((IndexOf(interfaceName), address.Address));
            }

            return result;
        }
    }

    /// <summary>Removes an address <see cref="AddStaticAddress"/> added, as <see cref="Remove(string, VirtualAddress)"/> does.</summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="address">The address.</param>
    /// <returns>0 (removed, or not there), <c>EEXIST</c> (17) when the address is there but not ours, or the errno the kernel answered.</returns>
    public int RemoveStaticAddress(string interfaceName, VirtualAddress address)
    {
        lock (_gate)
        {
            _static.Remove((IndexOf(interfaceName), address.Address));
            return Remove(interfaceName, address);
        }
    }

    /// <summary>
    /// Removes one address if it is ours: added by this manager, or marked ours by an earlier run (what a crash left
    /// behind). An address that is not there is not an error; one that is there but not ours is left and reported.
    /// </summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="address">The address.</param>
    /// <returns>0 (removed, or not there), <c>EEXIST</c> (17) when the address is there but not ours, or the errno the kernel answered.</returns>
    public int Remove(string interfaceName, VirtualAddress address) => Remove(interfaceName, address, heldOnly: false);

    private int Remove(string interfaceName, VirtualAddress address, bool heldOnly)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        lock (_gate)
        {
            int index = IndexOf(interfaceName);
            if (index <= 0)
            {
                return heldOnly ? 0 : Fail($"no interface '{interfaceName}'", Errno.ENOENT);
            }

            // Removed by us: never to be put back by the watcher. With the placement it was added with: a peer
            // address is matched by its peer.
            bool held = _held.Remove((index, address.Address), out var heldEntry);
            if (!held && heldOnly)
            {
                return 0; // never added by this manager: not ours to take away
            }

            PackedIPAddress peer = held ? heldEntry.Placement.Peer : default;
            if (!held)
            {
                switch (OwnerOf(index, address, out peer))
                {
                    case Owner.None:
                        return 0;
                    case Owner.Someone:
                        goto notOurs;
                }
            }

            PromoteSecondaries(interfaceName, address);
            AddressPlacement matching = peer.Length != 0 ? AddressPlacement.Default with { Peer = peer } : AddressPlacement.Default;
            int errno = Request(NetlinkAddressMessage.RTM_DELADDR, index, interfaceName, address, matching);
            return errno is 0 or Errno.EADDRNOTAVAIL or Errno.ENOENT ? 0 : Fail($"removing {address} on {interfaceName}", errno);
        }

    notOurs:
        ReportNotOwned(interfaceName, address);
        return Errno.EEXIST;
    }

    /// <inheritdoc/>
    /// <remarks>Puts back the <c>promote_secondaries</c> values it changed.</remarks>
    public void Dispose()
    {
        _watcher.Dispose();
        _routeWatcher.Dispose();
        lock (_gate)
        {
            foreach ((string interfaceName, string before) in _promoteSecondaries)
            {
                if (before != "1")
                {
                    try
                    {
                        File.WriteAllText($"/proc/sys/net/ipv4/conf/{interfaceName}/promote_secondaries", before);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // the interface is gone: nothing to put back
                    }
                }
            }

            _promoteSecondaries.Clear();
        }

        _socket.Dispose();
    }

    // An address we hold disappeared and we did not remove it: someone ran 'ip addr del', or a network manager
    // flushed the interface. The master still owns it: put it back.
    private void OnRemoved(int index, PackedIPAddress address)
    {
        (string Interface, byte PrefixLength, AddressPlacement Placement) entry;
        lock (_gate)
        {
            if (!_held.TryGetValue((index, address), out entry))
            {
                return;
            }
        }

        var restored = new VirtualAddress(address, entry.PrefixLength);
        _betweenSeenAndRestore?.Invoke();

        // Asked again under the lock of the re-add: a router that gave the address up meanwhile (it left Master and
        // removed it) must not get it back from here.
        int errno;
        lock (_gate)
        {
            errno = _held.ContainsKey((index, address)) ? Request(NetlinkAddressMessage.RTM_NEWADDR, index, entry.Interface, restored, entry.Placement) : -1;
        }

        if (errno == 0)
        {
            Interlocked.Increment(ref _restored);
            AddressRestored?.Invoke(this, restored);

            // The kernel took away with the address the routes that used it as their source: back with it.
            PutBackRoutes(all: true, default, default, 0, 0);
        }
    }

    /// <summary>Runs <paramref name="action"/> each time the watcher has seen an address of ours removed and let go of the lock, before it puts the address back: for tests of that race.</summary>
    internal void OnBetweenSeenAndRestore(Action action) => _betweenSeenAndRestore = action;

    // One request and its acknowledgement: 0 or the errno. Called under _gate.
    private int Request(ushort type, int index, string interfaceName, VirtualAddress address, AddressPlacement placement)
    {
        uint sequence = ++_sequence;
        int length = NetlinkAddressMessage.Write(_request, type, sequence, index, address, placement);
        try
        {
            return NetlinkAddressMessage.Exchange(_socket, _request.AsSpan(0, length), _response, sequence);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Fail($"netlink request for {address} on {interfaceName}: {e.Message}", e.ErrorCode);
            return Errno.EIO;
        }
    }

    /// <summary>
    /// Whether an interface holds an address in a subnet (same family, same prefix length, same network) that is not
    /// marked ours: an administrator's or a network manager's, which the kernel keeps primary whoever becomes master.
    /// A crashed run's addresses (ours) do not count: they go at the next start.
    /// </summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="subnet">Any address of the subnet, with the subnet's prefix length.</param>
    /// <returns>Whether such an address is there; <see langword="true"/> when the addresses could not be read.</returns>
    public bool HoldsOthersAddressIn(string interfaceName, VirtualAddress subnet)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        lock (_gate)
        {
            int index = IndexOf(interfaceName);
            if (index <= 0)
            {
                return false;
            }

            bool found = false;
            bool complete = Dump(subnet.Address.Family, (foundIndex, address, protocol, _) =>
                found |= foundIndex == index && protocol != NetlinkAddressMessage.VrrpProtocol
                    && address.PrefixLength == subnet.PrefixLength && SameNetwork(address.Address, subnet.Address, subnet.PrefixLength));
            return found || !complete;
        }
    }

    private static bool SameNetwork(PackedIPAddress left, PackedIPAddress right, int prefixLength)
    {
        if (left.Length != right.Length || prefixLength > left.Length * 8)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        left.WriteTo(a);
        right.WriteTo(b);

        for (int bit = 0; bit < prefixLength; bit += 8)
        {
            byte mask = (byte)(0xFF << Math.Max(0, 8 - (prefixLength - bit)));
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Adds to <paramref name="into"/> every address of an interface marked ours (by this run or an earlier one).</summary>
    internal void ListOurs(int index, ICollection<PackedIPAddress> into)
    {
        lock (_gate)
        {
            foreach (System.Net.Sockets.AddressFamily family in (ReadOnlySpan<System.Net.Sockets.AddressFamily>)[System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.AddressFamily.InterNetworkV6])
            {
                Dump(family, (foundIndex, found, protocol, _) =>
                {
                    // Static addresses are ours too, but stay for the daemon's life: a transport may take one as its source.
                    if (foundIndex == index && protocol == NetlinkAddressMessage.VrrpProtocol && !_static.Contains((index, found.Address)))
                    {
                        into.Add(found.Address);
                    }
                });
            }
        }
    }

    // Who put the address there, by its IFA_PROTO mark: read from a dump of the family's addresses. Called under _gate.
    private Owner OwnerOf(int index, VirtualAddress address) => OwnerOf(index, address, out _);

    // The same, with the address's peer (a point-to-point address is deleted by its peer: the kernel matches IFA_ADDRESS).
    private Owner OwnerOf(int index, VirtualAddress address, out PackedIPAddress peer)
    {
        Owner owner = Owner.None;
        PackedIPAddress foundPeer = default;
        bool complete = Dump(address.Address.Family, (foundIndex, found, protocol, otherEnd) =>
        {
            if (foundIndex == index && found == address)
            {
                owner = protocol == NetlinkAddressMessage.VrrpProtocol ? Owner.Us : Owner.Someone;
                foundPeer = otherEnd;
            }
        });
        peer = foundPeer;
        return complete || owner != Owner.None ? owner : Owner.Someone; // unknown: never remove what we cannot show is ours
    }

    // Walks a dump of one family's addresses; false when it could not be read to its end. Called under _gate.
    private bool Dump(System.Net.Sockets.AddressFamily family, Action<int, VirtualAddress, byte, PackedIPAddress> visit)
    {
        uint sequence = ++_sequence;
        int length = NetlinkAddressMessage.WriteDump(_request, sequence, family);
        try
        {
            _socket.Send(_request.AsSpan(0, length));
            while (true)
            {
                int received = _socket.Receive(_response);
                var reader = new NetlinkMessageReader(_response.AsSpan(0, received));
                while (reader.TryRead(out ushort type, out uint answered, out ReadOnlySpan<byte> payload))
                {
                    if (answered != sequence)
                    {
                        continue; // the late answer of a request that timed out
                    }

                    if (type is NetlinkAddressMessage.NLMSG_DONE or NetlinkAddressMessage.NLMSG_ERROR)
                    {
                        return type == NetlinkAddressMessage.NLMSG_DONE;
                    }

                    if (NetlinkAddressMessage.TryReadAddress(payload, out int foundIndex, out VirtualAddress found, out byte protocol, out PackedIPAddress peer))
                    {
                        visit(foundIndex, found, protocol, peer);
                    }
                }
            }
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Fail($"netlink dump of addresses: {e.Message}", e.ErrorCode);
            return false;
        }
    }

    // Without promote_secondaries, removing an interface's primary IPv4 address removes every secondary of its subnet.
    // Called under _gate; costs a file read once per interface.
    private void PromoteSecondaries(string interfaceName, VirtualAddress address)
    {
        if (address.Address.Family != System.Net.Sockets.AddressFamily.InterNetwork || _promoteSecondaries.ContainsKey(interfaceName)
            || interfaceName.Contains('/', StringComparison.Ordinal) || interfaceName is "." or "..")
        {
            return;
        }

        string path = $"/proc/sys/net/ipv4/conf/{interfaceName}/promote_secondaries";
        try
        {
            string before = File.ReadAllText(path).Trim();
            if (before != "1")
            {
                File.WriteAllText(path, "1");
            }

            _promoteSecondaries[interfaceName] = before;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"setting {path}: {e.Message}", Errno.EIO);
            _promoteSecondaries[interfaceName] = "1"; // tried once: nothing to put back
        }
    }

    private void ReportNotOwned(string interfaceName, VirtualAddress address)
    {
        Interlocked.Increment(ref _notOwned);
        var report = new AddressNotOwnedEventArgs(interfaceName, address);
        lock (_gate)
        {
            LastError = report.ToString();
        }

        AddressNotOwned?.Invoke(this, report);
    }

    // Not cached: a virtual MAC router's macvlan is made afresh, with a new index, each time the router restarts.
    private static int IndexOf(string interfaceName) => InterfaceIndex.Of(interfaceName);

    private int Fail(string what, int errno)
    {
        Failures++;
        LastError = $"{what}: errno {errno}";
        return errno;
    }

    private enum Owner
    {
        None,
        Us,
        Someone,
    }
}
