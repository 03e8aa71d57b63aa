namespace Vrrp.Protocol;

/// <summary>The state of a virtual router (RFC 9568 §6.4, with keepalived's Fault and a final Stopped).</summary>
public enum VrrpState : byte
{
    /// <summary>Waiting for a Startup event (RFC 9568 §6.4.1); also the state after Shutdown.</summary>
    Initialize = 0,

    /// <summary>Monitoring the master and ready to take over (RFC 9568 §6.4.2).</summary>
    Backup,

    /// <summary>Forwarding for the virtual addresses and advertising (RFC 9568 §6.4.3; "Active" in RFC 9568's wording).</summary>
    Master,

    /// <summary>The interface is down or a weight-0 check fails: no advertisements, no addresses (keepalived's FAULT).</summary>
    Fault,

    /// <summary>The router was stopped and will not run again.</summary>
    Stopped,
}
