namespace Vrrp.Keepalived;

/// <summary>
/// A <c>track_group</c> section: the instances that track the interface of a static address, route (its <c>dev</c>)
/// or rule (its <c>iif</c>) naming the group (<c>static_ipaddress { ADDRESS dev IF track_group NAME }</c>); a link down
/// there is a Fault for each of them.
/// </summary>
public sealed record KeepalivedTrackGroup
{
    /// <summary>Gets the group's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the member instances' names (<c>group { ... }</c>).</summary>
    public IReadOnlyList<string> Group { get; init => field = EquatableList<string>.From(value); } = EquatableList<string>.Empty;

    /// <summary>Gets where the section starts.</summary>
    public KeepalivedSourceLocation Source { get; init; }
}
