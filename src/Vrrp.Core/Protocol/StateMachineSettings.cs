using Vrrp.Packets;

namespace Vrrp.Protocol;

/// <summary>The configuration the state machine decides with: a snapshot taken from <see cref="VirtualRouterOptions"/>.</summary>
internal sealed record StateMachineSettings
{
    public required VrrpVersion Version { get; init; }

    /// <summary>Advertisement_Interval, in centiseconds (VRRPv2 intervals are whole seconds × 100).</summary>
    public required int AdvertisementIntervalCentiseconds { get; init; }

    /// <summary>The primary IP address of the interface: our identity in the tie-break.</summary>
    public required PackedIPAddress PrimaryAddress { get; init; }

    public bool Preempt { get; init; } = true;

    public TimeSpan PreemptDelay { get; init; }

    public int DownTimerAdverts { get; init; } = 3;

    /// <summary>RFC 9568 §6.4.3: a master answers a lower-priority advertisement with one of its own. keepalived's <c>lower_prio_no_advert</c> turns it off.</summary>
    public bool AdvertiseOnLowerPriority { get; init; } = true;

    /// <summary>keepalived's <c>higher_prio_send_advert</c>: a master that yields sends one last advertisement first.</summary>
    public bool AdvertiseOnHigherPriority { get; init; }

    public int AnnounceRepeat { get; init; } = 5;

    public TimeSpan AnnounceDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan AnnounceRefresh { get; init; }

    public int AnnounceRefreshRepeat { get; init; } = 1;

    /// <summary>keepalived's <c>garp_extra_if</c>: zero when off. A router with no other interface to announce on wakes for nothing (a reload may give it one).</summary>
    public TimeSpan AnnounceOtherInterfaces { get; init; }

    public int AnnounceOnLowerPriorityRepeat { get; init; }

    /// <summary>keepalived's <c>garp_lower_prio_delay</c>: a second set of those announcements this long after the last lower priority heard; zero for none.</summary>
    public TimeSpan AnnounceOnLowerPriorityDelay { get; init; }

    /// <summary>Whether a master answers another MAC's announcement of its addresses with announcements of its own.</summary>
    public bool AnswerConflictingAnnouncements { get; init; }

    public TimeSpan StartupDelay { get; init; }
}
