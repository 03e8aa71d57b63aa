using System.Collections;

namespace Vrrp.Routing;

/// <summary>The paths of a multipath route, in order, compared by value (two routes with equal paths are equal).</summary>
public sealed class RouteNextHops : IReadOnlyList<RouteNextHop>, IEquatable<RouteNextHops>
{
    private readonly RouteNextHop[] _hops;

    /// <summary>Initializes the paths.</summary>
    /// <param name="hops">The paths, in order: at most <see cref="VirtualRoute.MaxNextHops"/>, each with a weight of 1 to 256 and a gateway or a device.</param>
    /// <exception cref="ArgumentException">Too many paths, a weight out of range, or a path with neither gateway nor device.</exception>
    public RouteNextHops(IEnumerable<RouteNextHop> hops)
    {
        ArgumentNullException.ThrowIfNull(hops);
        _hops = [.. hops];
        if (_hops.Length > VirtualRoute.MaxNextHops)
        {
            throw new ArgumentException($"A route takes at most {VirtualRoute.MaxNextHops} nexthops; got {_hops.Length}.", nameof(hops));
        }

        foreach (RouteNextHop hop in _hops)
        {
            if (hop.Weight is < 1 or > 256 || (hop.Gateway.Length == 0 && hop.Device is null))
            {
                throw new ArgumentException($"'{hop}': a nexthop's weight is 1 to 256, and it has a gateway or a device.", nameof(hops));
            }
        }
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
