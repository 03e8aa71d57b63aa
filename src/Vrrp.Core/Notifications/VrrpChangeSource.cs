namespace Vrrp.Notifications;

/// <summary>Who changed state: a router, or a sync group (whose state is the one all its members reached).</summary>
public readonly struct VrrpChangeSource : IEquatable<VrrpChangeSource>
{
    private VrrpChangeSource(string name, VirtualRouter? router, VrrpSyncGroup? syncGroup)
    {
        Name = name;
        Router = router;
        SyncGroup = syncGroup;
    }

    /// <summary>Gets the router's <see cref="VirtualRouter.Name"/> or the group's <see cref="VrrpSyncGroup.Name"/>.</summary>
    public string Name { get; }

    /// <summary>Gets the router, or <see langword="null"/> for a sync group.</summary>
    public VirtualRouter? Router { get; }

    /// <summary>Gets the sync group, or <see langword="null"/> for a router.</summary>
    public VrrpSyncGroup? SyncGroup { get; }

    /// <summary>Gets a value indicating whether the source is a sync group.</summary>
    public bool IsSyncGroup => SyncGroup is not null;

    internal object Subject => (object?)Router ?? SyncGroup!;

    /// <summary>Compares two sources.</summary>
    /// <param name="left">One source.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are the same router or group.</returns>
    public static bool operator ==(VrrpChangeSource left, VrrpChangeSource right) => left.Equals(right);

    /// <summary>Compares two sources.</summary>
    /// <param name="left">One source.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(VrrpChangeSource left, VrrpChangeSource right) => !left.Equals(right);

    /// <summary>Makes the source of a router's changes.</summary>
    /// <param name="router">The router.</param>
    /// <returns>The source.</returns>
    public static VrrpChangeSource Of(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return new(router.Name, router, null);
    }

    /// <summary>Makes the source of a sync group's changes.</summary>
    /// <param name="group">The group.</param>
    /// <returns>The source.</returns>
    public static VrrpChangeSource Of(VrrpSyncGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return new(group.Name, null, group);
    }

    /// <inheritdoc/>
    public bool Equals(VrrpChangeSource other) => ReferenceEquals(Router, other.Router) && ReferenceEquals(SyncGroup, other.SyncGroup);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is VrrpChangeSource other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (Router as object ?? SyncGroup)?.GetHashCode() ?? 0;

    /// <inheritdoc/>
    public override string ToString() => IsSyncGroup ? $"group {Name}" : Name;
}
