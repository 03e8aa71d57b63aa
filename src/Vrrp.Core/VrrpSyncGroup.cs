using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp;

/// <summary>
/// Virtual routers that share one fate, as keepalived's <c>vrrp_sync_group</c>: when one member becomes master or
/// backup, the others follow; while any member is in Fault for a reason of its own, all are.
/// </summary>
/// <remarks>
/// Use it for routers whose addresses only work together, such as the inside and outside gateways of a firewall.
/// A member's change is propagated on a zero-delay timer of the group's clock, after the member's own event is
/// done: never from inside another router's event, so members never wait on each other.
/// </remarks>
public sealed class VrrpSyncGroup : IDisposable
{
    private static readonly TimerCallback s_propagate = static state => ((VrrpSyncGroup)state!).Propagate();

    private readonly VirtualRouter[] _members;
    private readonly ITimer _timer;
    private readonly List<(VirtualRouter Member, StateChange Change)> _pending = [];
    private readonly object _propagating = new();
    private bool _faultsChanged;

    /// <summary>Initializes a group and starts following its members' changes.</summary>
    /// <param name="name">A name for logs.</param>
    /// <param name="members">One or more routers (keepalived runs a group of one, with a warning the reader gives).</param>
    /// <param name="timeProvider">The clock the members use.</param>
    /// <exception cref="VrrpConfigurationException">No member.</exception>
    public VrrpSyncGroup(string name, IEnumerable<VirtualRouter> members, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(members);
        Name = name;
        _members = [.. members];
        if (_members.Length < 1)
        {
            throw new VrrpConfigurationException([$"Sync group '{name}': Members must hold at least 1 router; got 0."]);
        }

        _timer = (timeProvider ?? TimeProvider.System).CreateTimer(s_propagate, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (VirtualRouter member in _members)
        {
            if (member.SyncGroup is not null)
            {
                throw new VrrpConfigurationException([$"Sync group '{name}': router '{member.Name}' is already in sync group '{member.SyncGroup.Name}'."]);
            }
        }

        foreach (VirtualRouter member in _members)
        {
            member.SyncGroup = this; // the member tells the group of its changes on its protocol loop (OnMemberStateChanged)
        }

        // Members may be in Fault already (a group made on a reload): work out who must be held from the start.
        MemberFaultChanged();
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the members.</summary>
    public IReadOnlyList<VirtualRouter> Members => _members;

    /// <inheritdoc/>
    public void Dispose()
    {
        _timer.Dispose();
        foreach (VirtualRouter member in _members)
        {
            member.SyncGroup = null;

            // A member held in Fault only for the group's sake must not stay there once the group is gone.
            member.SetSyncGroupFault(false);
        }
    }

    // keepalived's vrrp_sync_can_goto_master: a member takes over only when no other member still hears a master.
    internal bool MayBecomeMaster(VirtualRouter candidate)
    {
        foreach (VirtualRouter member in _members)
        {
            if (member != candidate && member.HearsMaster)
            {
                return false;
            }
        }

        return true;
    }

    // Called by the member on its protocol loop, not through StateChanged: a member's stuck address manager or handler
    // (which hold up its action lane) must not hold up the group. Queues and wakes the timer: no user code runs.
    internal void OnMemberStateChanged(VirtualRouter member, in StateChange change)
    {
        if (change.Reason == StateChangeReason.SyncGroup)
        {
            return; // a change this group caused: following it would echo forever
        }

        lock (_pending)
        {
            _pending.Add((member, change));
        }

        _timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    // A member's own fault began or ended, or it started: whether each member is held in Fault must be decided again,
    // after the member's event is done.
    internal void MemberFaultChanged()
    {
        Volatile.Write(ref _faultsChanged, true);
        _timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void HoldFaults()
    {
        foreach (VirtualRouter member in _members)
        {
            member.SetSyncGroupFault(Array.Exists(_members, other => other != member && other.HasOwnFault));
        }
    }

    private void Propagate()
    {
        // One propagation at a time: with a real clock a second timer callback could otherwise deliver an older
        // batch after a newer one.
        lock (_propagating)
        {
            while (true)
            {
                (VirtualRouter Member, StateChange Change)[] pending;
                lock (_pending)
                {
                    if (_pending.Count == 0 && !Volatile.Read(ref _faultsChanged))
                    {
                        return;
                    }

                    pending = [.. _pending];
                    _pending.Clear();
                }

                if (Interlocked.Exchange(ref _faultsChanged, false))
                {
                    HoldFaults();
                }

                foreach ((VirtualRouter source, StateChange change) in pending)
                {
                    if (change.To == VrrpState.Fault || change.From == VrrpState.Fault)
                    {
                        // Every member, the source included, is held in Fault while any other member has a fault of its own.
                        HoldFaults();
                    }

                    VrrpState now = source.State; // the source's state now, not when the change was queued
                    if (now is VrrpState.Master or VrrpState.Backup && !Array.Exists(_members, m => m.HasOwnFault))
                    {
                        foreach (VirtualRouter member in _members)
                        {
                            if (member != source)
                            {
                                member.FollowSyncGroup(now);
                            }
                        }
                    }
                }
            }
        }
    }
}
