using System.Collections;

namespace Vrrp.Routing;

/// <summary>The paths of a multipath route, in order, compared by value (two routes with equal paths are equal).</summary>
public sealed class RouteNextHops : IReadOnlyList<RouteNextHop>, IEquatable<RouteNextHops>
{
    private readonly RouteNextHop[] _hops;

    /// <summary>Initializes the paths.</summary>
    /// <param name="hops">The paths, in order.</param>
    public RouteNextHops(IEnumerable<RouteNextHop> hops)
    {
        ArgumentNullException.ThrowIfNull(hops);
        _hops = [.. hops];
    }

    /// <summary>Gets no path: a route with one gateway or none.</summary>
    public static RouteNextHops Empty { get; } = new([]);

    /// <inheritdoc/>
    public int Count => _hops.Length;

    /// <inheritdoc/>
    public RouteNextHop this[int index] => _hops[index];

    /// <inheritdoc/>
    public IEnumerator<RouteNextHop> GetEnumerator() => ((IEnumerable<RouteNextHop>)_hops).GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(RouteNextHops? other) => other is not null && _hops.AsSpan().SequenceEqual(other._hops);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as RouteNextHops);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (RouteNextHop hop in _hops)
        {
            hash.Add(hop);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(' ', _hops);
}
