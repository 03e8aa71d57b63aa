using Vrrp.Addressing;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Adds and removes virtual addresses with route netlink (RTM_NEWADDR / RTM_DELADDR), idempotently: adding an address
/// already there, or removing one that is gone, is not an error. Failures are counted and kept for status, never thrown
/// into the protocol.
/// </summary>
public sealed class NetlinkAddressManager : IVirtualAddressManager, IDisposable
{
    private readonly object _gate = new();
    private readonly System.Net.Sockets.Socket _socket;
    private readonly byte[] _request = new byte[256];
    private readonly byte[] _response = new byte[8192];
    // What a master holds, to put back what others remove: the key has the address already, so the value keeps only
    // what else a re-add needs (the whole VirtualAddress again made every entry 24 bytes larger, one per router).
    private readonly Dictionary<(int Index, PackedIPAddress Address), (string Interface, byte PrefixLength)> _held = [];
    private readonly AddressWatcher _watcher;
    private uint _sequence;
    private long _restored;

    /// <summary>Opens a route netlink socket, and another that watches for our addresses being removed from outside.</summary>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_ADMIN.</exception>
    public NetlinkAddressManager()
    {
        _socket = RawSockets.Open(RawSockets.AF_NETLINK, 0 /* NETLINK_ROUTE */, "CAP_NET_ADMIN");
        _socket.ReceiveTimeout = 2000;
        _watcher = new AddressWatcher(OnRemoved);
    }

    /// <summary>Raised when a virtual address that a master holds was removed from outside and has been put back.</summary>
    public event EventHandler<VirtualAddress>? AddressRestored;

    /// <summary>Gets how many times an address removed from outside was put back.</summary>
    public long Restored => Interlocked.Read(ref _restored);

    /// <summary>Gets the number of requests the kernel refused.</summary>
    public long Failures { get; private set; }

    /// <summary>Gets the last refusal, for status and logs.</summary>
    public string? LastError { get; private set; }

    /// <inheritdoc/>
    public void AddAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        for (int i = 0; i < addresses.Count; i++)
        {
            Request(NetlinkAddressMessage.RTM_NEWADDR, router.Interface, addresses[i]);
        }
    }

    /// <inheritdoc/>
    public void RemoveAddresses(VirtualRouter router, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(addresses);
        for (int i = 0; i < addresses.Count; i++)
        {
            Request(NetlinkAddressMessage.RTM_DELADDR, router.Interface, addresses[i]);
        }
    }

    /// <summary>Adds one address.</summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="address">The address.</param>
    /// <returns>0, or the errno the kernel answered.</returns>
    public int Add(string interfaceName, VirtualAddress address) => Request(NetlinkAddressMessage.RTM_NEWADDR, interfaceName, address);

    /// <summary>Removes one address; an address that is not there is not an error.</summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="address">The address.</param>
    /// <returns>0, or the errno the kernel answered.</returns>
    public int Remove(string interfaceName, VirtualAddress address) => Request(NetlinkAddressMessage.RTM_DELADDR, interfaceName, address);

    /// <inheritdoc/>
    public void Dispose()
    {
        _watcher.Dispose();
        _socket.Dispose();
    }

    // An address we hold disappeared and we did not remove it: someone ran 'ip addr del', or a network manager
    // flushed the interface. The master still owns it: put it back.
    private void OnRemoved(int index, PackedIPAddress address)
    {
        (string Interface, byte PrefixLength) entry;
        lock (_gate)
        {
            if (!_held.TryGetValue((index, address), out entry))
            {
                return;
            }
        }

        var restored = new VirtualAddress(address, entry.PrefixLength);
        if (Request(NetlinkAddressMessage.RTM_NEWADDR, entry.Interface, restored) == 0)
        {
            Interlocked.Increment(ref _restored);
            AddressRestored?.Invoke(this, restored);
        }
    }

    private int Request(ushort type, string interfaceName, VirtualAddress address)
    {
        lock (_gate)
        {
            int index = IndexOf(interfaceName);
            if (index <= 0)
            {
                return Fail($"no interface '{interfaceName}'", Errno.ENOENT);
            }

            if (type == NetlinkAddressMessage.RTM_NEWADDR)
            {
                _held[(index, address.Address)] = (interfaceName, address.PrefixLength);
            }
            else
            {
                _held.Remove((index, address.Address)); // removed by us: not to be restored
            }

            uint sequence = ++_sequence;
            int length = NetlinkAddressMessage.Write(_request, type, sequence, index, address, null);
            try
            {
                _socket.Send(_request.AsSpan(0, length));
                while (true)
                {
                    int received = _socket.Receive(_response);
                    if (NetlinkAddressMessage.TryReadAck(_response.AsSpan(0, received), sequence, out int error))
                    {
                        int errno = -error;
                        bool harmless = errno == 0 || (type == NetlinkAddressMessage.RTM_DELADDR && errno is Errno.EADDRNOTAVAIL or Errno.ENOENT);
                        return harmless ? 0 : Fail($"{(type == NetlinkAddressMessage.RTM_NEWADDR ? "adding" : "removing")} {address} on {interfaceName}", errno);
                    }
                }
            }
            catch (System.Net.Sockets.SocketException e)
            {
                return Fail($"netlink request for {address} on {interfaceName}: {e.Message}", e.ErrorCode);
            }
        }
    }

    // Not cached: a virtual MAC router's macvlan is made afresh, with a new index, each time the router restarts.
    private static int IndexOf(string interfaceName) => InterfaceIndex.Of(interfaceName);

    private int Fail(string what, int errno)
    {
        Failures++;
        LastError = $"{what}: errno {errno}";
        return errno;
    }
}
