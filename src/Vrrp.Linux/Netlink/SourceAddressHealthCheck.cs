using System.Net;
using System.Net.NetworkInformation;
using Vrrp.Health;
using Vrrp.Linux.Interop;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Healthy while an interface holds an address: keepalived's <c>track_src_ip</c>, which puts an instance in Fault while
/// its configured <c>unicast_src_ip</c> (or <c>mcast_src_ip</c>) is missing from its interface, since adverts can no
/// longer be sent from it. The state comes from route netlink's address events, read once at the start: a run does no
/// I/O and allocates nothing.
/// </summary>
public sealed class SourceAddressHealthCheck : IVrrpHealthCheck, IDisposable
{
    private readonly object _gate = new();
    private readonly AddressWatcher _watcher;
    private readonly PackedIPAddress _address;
    private readonly VrrpCheckResult _present;
    private readonly VrrpCheckResult _missing;
    private volatile bool _isPresent;
    private long _events; // under _gate: a read of the whole state is kept only if no event came while it ran

    /// <summary>Starts following the address on the interface.</summary>
    /// <param name="interfaceName">The interface that must hold it.</param>
    /// <param name="address">The address, IPv4 or IPv6.</param>
    /// <exception cref="ArgumentException">The address is not an IP address.</exception>
    /// <exception cref="UnauthorizedAccessException">The netlink socket cannot be opened.</exception>
    public SourceAddressHealthCheck(string interfaceName, string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interfaceName);
        if (!IPAddress.TryParse(address, out IPAddress? parsed))
        {
            throw new ArgumentException($"'{address}' is not an IP address.", nameof(address));
        }

        InterfaceName = interfaceName;
        Address = parsed;
        _address = PackedIPAddress.FromIPAddress(parsed);
        _present = VrrpCheckResult.Success($"{parsed} is on {interfaceName}");
        _missing = VrrpCheckResult.Failure($"{parsed} is not on {interfaceName}: no advert can be sent from it (track_src_ip)");

        // Events first, then the state now; after lost events (ENOBUFS), the state again.
        _watcher = new AddressWatcher(
            (index, removed) => Update(index, removed, present: false),
            (index, added) => Update(index, added, present: true),
            ReadAgain);
        ReadAgain();
    }

    /// <summary>Gets a value indicating whether the interface holds the address, as the last event or read said.</summary>
    public bool IsPresent => _isPresent;

    /// <summary>Gets the interface followed.</summary>
    public string InterfaceName { get; }

    /// <summary>Gets the address followed.</summary>
    public IPAddress Address { get; }

    /// <inheritdoc/>
    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_isPresent ? _present : _missing);
    }

    /// <summary>Stops following the address.</summary>
    public void Dispose() => _watcher.Dispose();

    private void Update(int interfaceIndex, PackedIPAddress address, bool present)
    {
        // The index is asked each time: an interface removed and made again under the name has a new one. When the
        // interface is gone (its addresses' removals come after it), so is the address.
        int current = InterfaceIndex.Of(InterfaceName);
        if (address == _address && (interfaceIndex == current || current == 0))
        {
            lock (_gate)
            {
                _events++;
                _isPresent = present && current != 0;
            }
        }
    }

    // A read that an event overtook is stale: the event's word stands.
    private void ReadAgain()
    {
        long before;
        lock (_gate)
        {
            before = _events;
        }

        bool present = HoldsAddress(InterfaceName, Address);
        lock (_gate)
        {
            if (_events == before)
            {
                _isPresent = present;
            }
        }
    }

    private static bool HoldsAddress(string interfaceName, IPAddress address) =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.Name == interfaceName)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Any(a => PackedIPAddress.FromIPAddress(a.Address) == PackedIPAddress.FromIPAddress(address));
}
