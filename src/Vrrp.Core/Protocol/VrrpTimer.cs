namespace Vrrp.Protocol;

/// <summary>The timers a virtual router runs. The state machine arms and cancels them; its host fires them.</summary>
public enum VrrpTimer : byte
{
    /// <summary>Adver_Timer: the master's next advertisement (RFC 9568 §6.2).</summary>
    Advertisement = 0,

    /// <summary>Active_Down_Timer / Master_Down_Timer: a backup's deadline for hearing from the master (RFC 9568 §6.2).</summary>
    MasterDown,

    /// <summary>The end of keepalived's <c>preempt_delay</c>: until it fires, a backup does not preempt a lower-priority master.</summary>
    PreemptDelay,

    /// <summary>The second burst of announcements, <c>garp_master_delay</c> after becoming master.</summary>
    AnnounceDelay,

    /// <summary>Periodic announcements while master, every <c>garp_master_refresh</c>.</summary>
    AnnounceRefresh,

    /// <summary>The end of keepalived's <c>vrrp_startup_delay</c>, when the Startup event is taken.</summary>
    StartupDelay,

    /// <summary>The second set of announcements, <c>garp_lower_prio_delay</c> after a master last heard a lower priority.</summary>
    AnnounceLowerPriorityDelay,

    /// <summary>A master's answer to another MAC announcing one of its addresses, one advertisement interval after it was seen.</summary>
    ConflictAnswer,

    /// <summary>Periodic announcements on the router's other interfaces while master, every <c>garp_extra_if</c>.</summary>
    OtherInterfaceAnnounce,
}
