using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Vrrp.Addressing;

namespace Vrrp.Linux.Firewall;

/// <summary>
/// Enforces <see cref="VirtualRouterOptions.AcceptMode"/> = false (RFC 9568 §6.1: a master that is not the address
/// owner does not accept packets addressed to the virtual addresses) as keepalived does with <c>no_accept</c> or
/// <c>vrrp_strict</c>: an nftables table of its own per family whose <c>vips</c> set the input and output hooks drop,
/// each router's addresses put in the set as it becomes master and taken out as it leaves.
/// </summary>
/// <remarks>
/// <para>
/// The rules are keepalived 2.2's: <c>ip daddr @vips drop</c> on input and <c>ip saddr @vips drop</c> on output, at
/// priority -1. For IPv6, neighbour solicitations and advertisements pass (the address must stay resolvable), and a
/// link-local virtual address is matched with its interface. Gratuitous ARPs and unsolicited NAs leave through packet
/// sockets, which these hooks never see.
/// </para>
/// <para>
/// Only its own tables are touched: <c>vrrpd</c> by default (never keepalived's <c>keepalived</c>, so the two can run on
/// one host while moving from one to the other), or the name given. <see cref="RemoveLeftovers"/> deletes what a
/// crashed run left, and both tables go on dispose. The firewall keeps what it blocks, counted per address (two routers
/// may hold one): when a change fails because the table went (an nftables restart flushes the ruleset), the table is
/// made again with all of it. The rules are written by nftables' own <c>nft</c> program, found only at its absolute
/// paths; it runs with a timeout and inherits no descriptor of ours. An interface name is written into its input only
/// when it is a plain name.
/// </para>
/// </remarks>
public sealed class AcceptModeFirewall : IDisposable
{
    private readonly object _gate = new();
    private readonly OwnTables _tables;
    private readonly Dictionary<(bool IPv6, string Element), int> _held = [];
    private bool _disposed;

    /// <summary>Initializes a firewall writing its rules in a table of the given name.</summary>
    /// <param name="table">The table's name in both families (keepalived's <c>nftables</c>): letters, digits, '_' and '-', at most 64.</param>
    /// <param name="chainPriority">The hooks' priority (keepalived's <c>nftables_priority</c>), -1 by default.</param>
    /// <exception cref="ArgumentException">The table's name is not a plain nftables name.</exception>
    /// <exception cref="VrrpConfigurationException">nftables' <c>nft</c> program is not installed.</exception>
    public AcceptModeFirewall(string table = DefaultTable, int chainPriority = -1)
    {
        NftablesProgram.ThrowIfNotPlainTableName(table);

        Table = table;
        ChainPriority = chainPriority;
        _tables = new OwnTables(
            NftablesProgram.Path ?? throw new VrrpConfigurationException([$"AcceptMode = false (no_accept, vrrp_strict) is enforced with nftables, and its program 'nft' is not in {NftablesProgram.SearchedPaths}: install nftables, or set accept"]),
            table);
    }

    /// <summary>Gets a value indicating whether nftables' <c>nft</c> program is installed.</summary>
    public static bool IsInstalled => NftablesProgram.Path is not null;

    /// <summary>The table's name when none is given.</summary>
    public const string DefaultTable = "vrrpd";

    /// <summary>Gets the table's name (in the <c>ip</c> and <c>ip6</c> families).</summary>
    public string Table { get; }

    /// <summary>Gets the priority of the input and output chains.</summary>
    public int ChainPriority { get; }

    /// <summary>Gets a value indicating whether each drop rule counts what it matches (keepalived's <c>nftables_counters</c>).</summary>
    public bool Counters { get; init; }

    /// <summary>Gets how many times <c>nft</c> failed or timed out.</summary>
    public long Failures => _tables.Failures;

    /// <summary>Drops traffic to and from the addresses: called as their router becomes master, before they are added.</summary>
    /// <param name="interfaceName">The interface a link-local address is on.</param>
    /// <param name="addresses">The addresses.</param>
    /// <exception cref="InvalidOperationException"><c>nft</c> failed (the router then goes to Fault, as for an address failure).</exception>
    public void Block(string interfaceName, IReadOnlyList<VirtualAddress> addresses) => Change(block: true, interfaceName, addresses);

    /// <summary>Lets traffic to and from the addresses through again: called as their router leaves the master state, after they are removed.</summary>
    /// <param name="interfaceName">The interface a link-local address is on.</param>
    /// <param name="addresses">The addresses.</param>
    /// <exception cref="InvalidOperationException"><c>nft</c> failed.</exception>
    public void Unblock(string interfaceName, IReadOnlyList<VirtualAddress> addresses) => Change(block: false, interfaceName, addresses);

    /// <summary>Deletes the tables of this name a crashed run left, before any router blocks anything.</summary>
    /// <exception cref="InvalidOperationException"><c>nft</c> failed.</exception>
    public void RemoveLeftovers()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_tables.AnyMade)
            {
                // Declaring a table first makes its delete never fail.
                Run($"table ip {Table}\ndelete table ip {Table}\ntable ip6 {Table}\ndelete table ip6 {Table}\n");
            }
        }
    }

    /// <summary>Deletes the tables this firewall made.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _tables.DeleteMade();
        }
    }

    private void Change(bool block, string interfaceName, IReadOnlyList<VirtualAddress> addresses)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var before = new Dictionary<(bool IPv6, string Element), int>(_held);
            try
            {
                Apply(block, interfaceName, addresses);
            }
            catch
            {
                // What failed is not held: a later table must not carry it.
                _held.Clear();
                foreach (KeyValuePair<(bool IPv6, string Element), int> entry in before)
                {
                    _held.Add(entry.Key, entry.Value);
                }

                throw;
            }
        }
    }

    private void Apply(bool block, string interfaceName, IReadOnlyList<VirtualAddress> addresses)
    {
        var changed = new List<(bool IPv6, string Element)>();
        foreach (VirtualAddress address in addresses)
        {
            (bool IPv6, string Element) key = Element(address, interfaceName);
            int count = _held.GetValueOrDefault(key);
            if (block)
            {
                _held[key] = count + 1;
                if (count == 0)
                {
                    changed.Add(key);
                }
            }
            else if (count == 1)
            {
                _held.Remove(key);
                changed.Add(key);
            }
            else if (count > 1)
            {
                _held[key] = count - 1; // another router holds it still
            }
        }

        var script = new StringBuilder();
        foreach ((bool ipv6, string element) in changed)
        {
            if (!_tables.IsMade(ipv6))
            {
                continue; // a block makes the table below, with it in; an unblock has nothing to undo
            }

            // An add before each delete, in the same transaction: a delete of an element that is not there would
            // fail the whole change.
            script.Append(CultureInfo.InvariantCulture, $"add element {(ipv6 ? "ip6" : "ip")} {Table} {element}\n");
            if (!block)
            {
                script.Append(CultureInfo.InvariantCulture, $"delete element {(ipv6 ? "ip6" : "ip")} {Table} {element}\n");
            }
        }

        bool makeIPv4 = block && !_tables.IsMade(ipv6: false) && changed.Exists(static c => !c.IPv6);
        bool makeIPv6 = block && !_tables.IsMade(ipv6: true) && changed.Exists(static c => c.IPv6);
        if (makeIPv4)
        {
            AppendTable(script, ipv6: false);
        }

        if (makeIPv6)
        {
            AppendTable(script, ipv6: true);
        }

        if (script.Length == 0)
        {
            return;
        }

        try
        {
            Run(script.ToString());
        }
        catch (InvalidOperationException) when (_tables.AnyMade)
        {
            // The table went from outside (an nftables restart flushes the ruleset): made again with everything held.
            // A failure is the caller's (the router goes to Fault, and tries again).
            _tables.Remake(_held.Keys.Any(static k => !k.IPv6), _held.Keys.Any(static k => k.IPv6), AppendTable);
            return;
        }

        if (makeIPv4)
        {
            _tables.MarkMade(ipv6: false);
        }

        if (makeIPv6)
        {
            _tables.MarkMade(ipv6: true);
        }
    }

    // The set element of an address: a link-local one with its interface, which must then be a plain name.
    private static (bool IPv6, string Element) Element(VirtualAddress address, string interfaceName)
    {
        bool ipv6 = address.Address.Family == AddressFamily.InterNetworkV6;
        if (!ipv6 || !address.Address.IsIPv6LinkLocal)
        {
            return (ipv6, $"vips {{ {address.Address} }}");
        }

        if (interfaceName.Length > 15 || !interfaceName.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '@' or ':'))
        {
            throw new ArgumentException($"'{interfaceName}' is not a plain interface name: the link-local address {address.Address} on it is not blocked.", nameof(interfaceName));
        }

        return (ipv6, $"vips_link_local {{ {address.Address} . \"{interfaceName}\" }}");
    }

    // The whole table at once, with every element held, replacing one that is there: declaring it first makes the
    // delete never fail.
    private void AppendTable(StringBuilder script, bool ipv6)
    {
        string family = ipv6 ? "ip6" : "ip";
        string ip = ipv6 ? "ip6" : "ip";
        string type = ipv6 ? "ipv6_addr" : "ipv4_addr";
        string counter = Counters ? "counter " : "";
        string neighbourDiscovery = ipv6 ? "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept; " : "";
        string linkLocalIn = ipv6 ? $"ip6 daddr . iifname @vips_link_local {counter}drop; " : "";
        string linkLocalOut = ipv6 ? $"ip6 saddr . oifname @vips_link_local {counter}drop; " : "";
        string priority = ChainPriority.ToString(CultureInfo.InvariantCulture);
        script.Append(CultureInfo.InvariantCulture, $"table {family} {Table}\ndelete table {family} {Table}\n");
        script.Append(CultureInfo.InvariantCulture, $"table {family} {Table} {{\n  set vips {{ type {type}; }}\n");
        if (ipv6)
        {
            script.Append("  set vips_link_local { type ipv6_addr . ifname; }\n");
        }

        script.Append(CultureInfo.InvariantCulture, $"  chain in {{ type filter hook input priority {priority}; policy accept; {neighbourDiscovery}{linkLocalIn}{ip} daddr @vips {counter}drop; }}\n");
        script.Append(CultureInfo.InvariantCulture, $"  chain out {{ type filter hook output priority {priority}; policy accept; {neighbourDiscovery}{linkLocalOut}{ip} saddr @vips {counter}drop; }}\n}}\n");
        foreach ((bool held6, string element) in _held.Keys)
        {
            if (held6 == ipv6)
            {
                script.Append(CultureInfo.InvariantCulture, $"add element {family} {Table} {element}\n");
            }
        }
    }

    private void Run(string script) => _tables.Run(script);
}
