using System.Globalization;
using System.Text;

namespace Vrrp.Linux.Firewall;

/// <summary>
/// The <c>ip</c> and <c>ip6</c> tables of one name that a firewall of ours writes with <c>nft</c>: which of them are
/// made, the failures counted, each made again on its own after a flush, and those made deleted at the end.
/// </summary>
internal sealed class OwnTables(string nft, string name)
{
    private bool _ipv4Made;
    private bool _ipv6Made;

    public string Name => name;

    public long Failures { get; private set; }

    public bool AnyMade => _ipv4Made || _ipv6Made;

    public bool IsMade(bool ipv6) => ipv6 ? _ipv6Made : _ipv4Made;

    public void MarkMade(bool ipv6)
    {
        if (ipv6)
        {
            _ipv6Made = true;
        }
        else
        {
            _ipv4Made = true;
        }
    }

    /// <summary>Runs a script as one transaction, counting a failure.</summary>
    /// <exception cref="InvalidOperationException">nft failed.</exception>
    public void Run(string script)
    {
        try
        {
            NftablesProgram.Run(nft, script);
        }
        catch (InvalidOperationException)
        {
            Failures++;
            throw;
        }
    }

    /// <summary>
    /// Makes again the tables of the families in use (an nftables restart flushed them), each in its own transaction,
    /// so that one family failing (IPv6 without its nft modules, say) never keeps the other's rules away.
    /// </summary>
    /// <param name="ipv4InUse">Whether the ip table is in use.</param>
    /// <param name="ipv6InUse">Whether the ip6 table is in use.</param>
    /// <param name="appendTable">Writes the whole table of a family (true for ip6), with all it holds.</param>
    /// <exception cref="InvalidOperationException">A family could not be made; the others were.</exception>
    public void Remake(bool ipv4InUse, bool ipv6InUse, Action<StringBuilder, bool> appendTable)
    {
        InvalidOperationException? failed = null;
        foreach ((bool ipv6, bool inUse) in new[] { (false, ipv4InUse || _ipv4Made), (true, ipv6InUse || _ipv6Made) })
        {
            if (!inUse)
            {
                continue;
            }

            var script = new StringBuilder();
            appendTable(script, ipv6);
            try
            {
                Run(script.ToString());
                MarkMade(ipv6);
            }
            catch (InvalidOperationException e)
            {
                failed ??= e;
            }
        }

        if (failed is not null)
        {
            throw failed;
        }
    }

    /// <summary>Deletes the tables made; a failure is counted only (a table left behind is replaced at the next start).</summary>
    public void DeleteMade()
    {
        var script = new StringBuilder();
        if (_ipv4Made)
        {
            script.Append(CultureInfo.InvariantCulture, $"delete table ip {name}\n");
        }

        if (_ipv6Made)
        {
            script.Append(CultureInfo.InvariantCulture, $"delete table ip6 {name}\n");
        }

        _ipv4Made = _ipv6Made = false;
        if (script.Length > 0)
        {
            try
            {
                Run(script.ToString());
            }
            catch (InvalidOperationException)
            {
                // counted
            }
        }
    }
}
