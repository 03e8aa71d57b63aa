using Microsoft.Extensions.Logging;
using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Diagnostics;

/// <summary>
/// Every log message of the library, with fixed event ids (listed in the README) so that alerts and filters can
/// rely on them across versions.
/// </summary>
internal static partial class VrrpLog
{
    [LoggerMessage(EventId = 1, EventName = "StateChanged", Level = LogLevel.Information,
        Message = "{Router}: {From} -> {To} ({Reason}), priority {Priority}")]
    public static partial void StateChanged(ILogger logger, string router, VrrpState from, VrrpState to, StateChangeReason reason, byte priority);

    [LoggerMessage(EventId = 2, EventName = "SendFailed", Level = LogLevel.Warning,
        Message = "{Router}: an advertisement could not be sent ({Suppressed} more failures since the last report)")]
    public static partial void SendFailed(ILogger logger, string router, long suppressed);

    [LoggerMessage(EventId = 3, EventName = "PacketDiscarded", Level = LogLevel.Warning,
        Message = "{Router}: discarded a received packet: {Reason} ({Suppressed} more for this reason since the last report)")]
    public static partial void PacketDiscarded(ILogger logger, string router, VrrpPacketStatus reason, long suppressed);

    [LoggerMessage(EventId = 4, EventName = "ActionFailed", Level = LogLevel.Error,
        Message = "{Router}: the {Seam} threw ({Suppressed} more failures of it since the last report)")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string router, string seam, long suppressed);

    [LoggerMessage(EventId = 5, EventName = "UdpUnauthenticated", Level = LogLevel.Warning,
        Message = "UdpTransport on {LocalAddress}:{Port} runs without a Key (AllowUnauthenticated): any host that can send to the port from a peer's address can make itself leader, or leave no leader at all")]
    public static partial void UdpUnauthenticated(ILogger logger, string localAddress, int port);

    [LoggerMessage(EventId = 6, EventName = "OptionsReloaded", Level = LogLevel.Information,
        Message = "Routers follow changed options: kept {Kept}, updated in place {Updated}, restarted {Restarted}, added {Added}, removed {Removed}")]
    public static partial void OptionsReloaded(ILogger logger, int kept, int updated, int restarted, int added, int removed);

    [LoggerMessage(EventId = 7, EventName = "OptionsReloadRefused", Level = LogLevel.Warning,
        Message = "Changed options refused, the routers run on as they were: {Reason}")]
    public static partial void OptionsReloadRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 10, EventName = "HookOverrun", Level = LogLevel.Warning,
        Message = "{Router}: notification hook '{Hook}' overran its budget of {Budget} and was cancelled")]
    public static partial void HookOverrun(ILogger logger, string router, string hook, TimeSpan budget);

    [LoggerMessage(EventId = 11, EventName = "HookFailed", Level = LogLevel.Error,
        Message = "{Router}: notification hook '{Hook}' failed")]
    public static partial void HookFailed(ILogger logger, Exception exception, string router, string hook);

    [LoggerMessage(EventId = 12, EventName = "HookLaneFull", Level = LogLevel.Warning,
        Message = "{Router}: notification hook '{Hook}' is {Limit} changes behind; newer changes are merged into the latest until it catches up")]
    public static partial void HookLaneFull(ILogger logger, string router, string hook, int limit);

    // Event ids 20-22 and 30-32 are keepalived's notify scripts, FIFO and state file: Vrrp.Keepalived logs them.
}
