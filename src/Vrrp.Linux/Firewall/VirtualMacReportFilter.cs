using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Vrrp.Linux.Firewall;

/// <summary>
/// Keeps a virtual router's macvlan from sending multicast membership reports and router solicitations from the
/// virtual MAC, as keepalived 2.2's <c>vmac_map</c> does: every router of a VRID shares that MAC, so a backup's IGMP or
/// MLD report (sent when its transport joins the VRRP group, and again at each querier's query) teaches a switch that
/// the virtual MAC is on the backup's port until the master's next advert, and clients' traffic goes there.
/// </summary>
/// <remarks>
/// <para>
/// The rules are keepalived's, in an nftables table of our own per family: on output, an IGMP report
/// (<c>ip protocol igmp</c>) or an MLDv2 report leaving a macvlan listed in <c>vmac_map</c> is sent again out of its
/// parent (<c>dup to ip daddr device oif map @vmac_map</c>), so the switch still learns the membership from the
/// parent's MAC, and dropped; an IPv6 router solicitation leaving a listed macvlan is dropped
/// (<c>oif @vmac_set</c>). A macvlan is listed by interface index before it comes up and taken out before it is
/// deleted (an element outlives its interface otherwise).
/// </para>
/// <para>
/// Only its own table is touched: <c>vrrpd_vmac</c> by default, never keepalived's <c>keepalived</c>. A crashed run's
/// table is replaced when the first macvlan is listed, the table goes on dispose, and when a change fails because the
/// table went (an nftables restart flushes the ruleset), it is made again with every macvlan listed.
/// </para>
/// </remarks>
public sealed class VirtualMacReportFilter : IDisposable
{
    private readonly object _gate = new();
    private readonly OwnTables _tables;
    private readonly Dictionary<int, (int Parent, bool IPv6)> _listed = [];
    private bool _disposed;

    /// <summary>Initializes a filter writing its rules in a table of the given name.</summary>
    /// <param name="table">The table's name in both families: a letter, then letters, digits, '_' and '-'; at most 64.</param>
    /// <param name="chainPriority">The output hook's priority (keepalived's <c>nftables_priority</c>), -1 by default.</param>
    /// <exception cref="ArgumentException">The table's name is not a plain nftables name.</exception>
    /// <exception cref="InvalidOperationException">nftables' <c>nft</c> program is not installed (see <see cref="IsInstalled"/>).</exception>
    public VirtualMacReportFilter(string table = DefaultTable, int chainPriority = -1)
    {
        NftablesProgram.ThrowIfNotPlainTableName(table);

        Table = table;
        ChainPriority = chainPriority;
        _tables = new OwnTables(NftablesProgram.Path ?? throw new InvalidOperationException($"nftables' program 'nft' is not in {NftablesProgram.SearchedPaths}"), table);
    }

    /// <summary>The table's name when none is given.</summary>
    public const string DefaultTable = "vrrpd_vmac";

    /// <summary>Gets a value indicating whether nftables' <c>nft</c> program is installed.</summary>
    public static bool IsInstalled => NftablesProgram.Path is not null;

    /// <summary>Gets the table's name (in the <c>ip</c> and <c>ip6</c> families).</summary>
    public string Table { get; }

    /// <summary>Gets the priority of the output chain.</summary>
    public int ChainPriority { get; }

    /// <summary>
    /// Gets a value indicating whether IPv4 macvlans are listed (their IGMP reports moved to the parent): not when
    /// link-local IGMP reports are off (<see cref="Links.LinkLocalIgmpReports"/>, keepalived's <c>disable_local_igmp</c>),
    /// as keepalived then lists none.
    /// </summary>
    public bool ListsIPv4 { get; init; } = true;

    /// <summary>Gets a value indicating whether each rule counts what it matches (keepalived's <c>nftables_counters</c>).</summary>
    public bool Counters { get; init; }

    /// <summary>Gets how many times <c>nft</c> failed or timed out.</summary>
    public long Failures => _tables.Failures;

    /// <summary>Lists a macvlan: its reports leave from its parent from now on. Called before it comes up.</summary>
    /// <param name="macvlanIndex">The macvlan's interface index.</param>
    /// <param name="parentIndex">Its parent's interface index.</param>
    /// <param name="family">Its router's address family: IGMP for IPv4, MLD and router solicitations for IPv6.</param>
    /// <exception cref="InvalidOperationException"><c>nft</c> failed.</exception>
    public void Add(int macvlanIndex, int parentIndex, AddressFamily family)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(macvlanIndex);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parentIndex);
        bool ipv6 = family == AddressFamily.InterNetworkV6;
        if (!ipv6 && !ListsIPv4)
        {
            return;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listed.TryGetValue(macvlanIndex, out var listed) && listed == (parentIndex, ipv6))
            {
                return;
            }

            _listed[macvlanIndex] = (parentIndex, ipv6);
            var script = new StringBuilder();
            if (_tables.IsMade(ipv6))
            {
                AppendElement(script, "add", macvlanIndex, parentIndex, ipv6);
            }
            else
            {
                AppendTable(script, ipv6);
            }

            try
            {
                RunOrRemake(script.ToString());
            }
            catch
            {
                _listed.Remove(macvlanIndex); // what failed is not listed: a later table must not carry it
                throw;
            }

            _tables.MarkMade(ipv6);
        }
    }

    /// <summary>Takes a macvlan out of the lists: called before it is deleted. One not listed is not an error.</summary>
    /// <param name="macvlanIndex">The macvlan's interface index.</param>
    /// <exception cref="InvalidOperationException"><c>nft</c> failed.</exception>
    public void Remove(int macvlanIndex)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_listed.Remove(macvlanIndex, out var listed))
            {
                return;
            }

            // An add before each delete, in one transaction: a delete of an element that is not there would fail it.
            var script = new StringBuilder();
            AppendElement(script, "add", macvlanIndex, listed.Parent, listed.IPv6);
            AppendElement(script, "delete", macvlanIndex, listed.Parent, listed.IPv6);
            RunOrRemake(script.ToString());
        }
    }

    /// <summary>Deletes the tables this filter made.</summary>
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

    private void RunOrRemake(string script)
    {
        try
        {
            Run(script);
        }
        catch (InvalidOperationException) when (_tables.AnyMade)
        {
            // The table went from outside: made again with every macvlan listed. A failure is the caller's.
            _tables.Remake(_listed.Values.Any(static l => !l.IPv6), _listed.Values.Any(static l => l.IPv6), AppendTable);
        }
    }

    private void AppendElement(StringBuilder script, string verb, int macvlan, int parent, bool ipv6)
    {
        // Indexes, not names: a delete must work after the interface went.
        script.Append(CultureInfo.InvariantCulture, $"{verb} element {(ipv6 ? "ip6" : "ip")} {Table} vmac_map {{ {macvlan}{(verb == "add" ? $" : {parent}" : "")} }}\n");
        if (ipv6)
        {
            script.Append(CultureInfo.InvariantCulture, $"{verb} element ip6 {Table} vmac_set {{ {macvlan} }}\n");
        }
    }

    // The whole table of a family at once, with every macvlan listed, replacing one that is there: declaring it first
    // makes the delete never fail.
    private void AppendTable(StringBuilder script, bool ipv6)
    {
        string family = ipv6 ? "ip6" : "ip";
        string priority = ChainPriority.ToString(CultureInfo.InvariantCulture);
        script.Append(CultureInfo.InvariantCulture, $"table {family} {Table}\ndelete table {family} {Table}\n");
        script.Append(CultureInfo.InvariantCulture, $"table {family} {Table} {{\n  map vmac_map {{ type iface_index : iface_index; }}\n");
        if (ipv6)
        {
            script.Append("  set vmac_set { type iface_index; }\n");
            script.Append(CultureInfo.InvariantCulture, $"  chain out {{ type filter hook output priority {priority}; policy accept; ");
            script.Append(CultureInfo.InvariantCulture, $"icmpv6 type mld2-listener-report meta oifkind \"macvlan\" dup to ip6 daddr device oif map @vmac_map {(Counters ? "counter " : "")}drop; ");
            script.Append(CultureInfo.InvariantCulture, $"icmpv6 type nd-router-solicit meta oifkind \"macvlan\" oif @vmac_set {(Counters ? "counter " : "")}drop; }}\n}}\n");
        }
        else
        {
            script.Append(CultureInfo.InvariantCulture, $"  chain out {{ type filter hook output priority {priority}; policy accept; ");
            script.Append(CultureInfo.InvariantCulture, $"ip protocol igmp meta oifkind \"macvlan\" dup to ip daddr device oif map @vmac_map {(Counters ? "counter " : "")}drop; }}\n}}\n");
        }

        foreach (KeyValuePair<int, (int Parent, bool IPv6)> entry in _listed)
        {
            if (entry.Value.IPv6 == ipv6)
            {
                AppendElement(script, "add", entry.Key, entry.Value.Parent, ipv6);
            }
        }
    }

    private void Run(string script) => _tables.Run(script);
}
