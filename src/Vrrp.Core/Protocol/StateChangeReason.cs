namespace Vrrp.Protocol;

/// <summary>Why a virtual router changed state; the master reasons follow RFC 8347's new-master-reason.</summary>
public enum StateChangeReason : byte
{
    /// <summary>The router started and is not the owner: it waits as backup (RFC 9568 §6.4.1).</summary>
    Startup = 0,

    /// <summary>The router owns the addresses (priority 255) and becomes master at once (RFC 9568 §6.4.1; RFC 8347 "priority").</summary>
    Owner,

    /// <summary>No advertisement arrived within Master_Down_Interval (RFC 9568 §6.4.2; RFC 8347 "no-response").</summary>
    NoResponse,

    /// <summary>The master released its role with a priority-0 advertisement and this router took over after Skew_Time.</summary>
    MasterReleased,

    /// <summary>
    /// Preemption, on both sides (RFC 8347 "preempted": the master was preempted). The master that steps down heard an
    /// advertisement with a higher priority, or an equal one from a greater address (RFC 9568 §6.4.3); the backup that
    /// takes over had been discarding a lower-priority master's adverts until its down timer ran out (RFC 9568 §6.4.2).
    /// </summary>
    Preempted,

    /// <summary>The router was shut down (RFC 9568 §6.4.2, §6.4.3).</summary>
    Shutdown,

    /// <summary>The interface went down.</summary>
    InterfaceDown,

    /// <summary>The interface came back up.</summary>
    InterfaceUp,

    /// <summary>A tracked check with weight 0 failed.</summary>
    CheckFailed,

    /// <summary>Every tracked check with weight 0 is healthy again.</summary>
    CheckRecovered,

    /// <summary>Another member of the router's sync group changed state, and this one followed.</summary>
    SyncGroup,

    /// <summary>
    /// The address manager or the announcer threw while carrying out a transition: the router holds Fault (so that
    /// a master without its addresses hands over) for <see cref="VirtualRouter.ActionFaultHold"/>, then tries again.
    /// </summary>
    ActionFailed,

    /// <summary>The hold after a failed action ended: the router leaves Fault as after startup.</summary>
    ActionRecovered,
}
