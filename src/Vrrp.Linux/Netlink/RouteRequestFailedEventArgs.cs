namespace Vrrp.Linux.Netlink;

/// <summary>
/// The kernel refused to add or remove a router's virtual route or rule (a gateway off every link, an interface that is
/// gone), or an equal route or rule is there already and is not ours (<see cref="Errno"/> 17, EEXIST): left alone.
/// </summary>
/// <param name="router">The router's name.</param>
/// <param name="what">The route or rule, as written.</param>
/// <param name="adding">Whether the request added it (else it removed it).</param>
/// <param name="errno">The errno the kernel answered.</param>
public sealed class RouteRequestFailedEventArgs(string router, string what, bool adding, int errno) : EventArgs
{
    /// <summary>Gets the router's name.</summary>
    public string Router { get; } = router;

    /// <summary>Gets the route or rule, as written (<c>route 203.0.113.0/24 via 198.51.100.1</c>, <c>rule inet from ... table 100</c>).</summary>
    public string What { get; } = what;

    /// <summary>Gets a value indicating whether the request added it (else it removed it).</summary>
    public bool Adding { get; } = adding;

    /// <summary>Gets the errno the kernel answered.</summary>
    public int Errno { get; } = errno;

    /// <inheritdoc/>
    public override string ToString() => Errno == 17
        ? $"{Router}: {What} is there already and not ours (not marked by Vrrp): neither added nor removed"
        : $"{Router}: {(Adding ? "adding" : "removing")} {What} failed: errno {Errno}";
}
