using Vrrp.Notifications;

namespace Vrrp.Testing;

/// <summary>Records every state change it hears, in order, with the router's name.</summary>
public sealed class FakeNotifier : IVrrpNotifier
{
    private readonly List<(string Router, StateChange Change)> _changes = [];

    /// <summary>Returns the changes heard, oldest first.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<(string Router, StateChange Change)> GetChanges()
    {
        lock (_changes)
        {
            return [.. _changes];
        }
    }

    /// <inheritdoc/>
    public void OnStateChanged(VirtualRouter router, in StateChange change)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_changes)
        {
            _changes.Add((router.Name, change));
        }
    }
}
