using System.Globalization;
using Vrrp.Protocol;

namespace Vrrp.Keepalived.Notify;

/// <summary>keepalived's words for states and its notify line, as its notify scripts and FIFO readers expect them.</summary>
internal static class KeepalivedFormat
{
    /// <summary>keepalived prints MASTER, BACKUP, FAULT and STOP; our Initialize after a shutdown and Stopped are both STOP.</summary>
    public static string StateName(VrrpState state) => state switch
    {
        VrrpState.Master => "MASTER",
        VrrpState.Backup => "BACKUP",
        VrrpState.Fault => "FAULT",
        _ => "STOP",
    };

    /// <summary>keepalived's notify_fifo line: <c>TYPE "NAME" STATE PRIORITY</c> and a newline (notify.c, notify_fifo).</summary>
    // keepalived's event lines: INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100.
    public static string FifoEventLine(string type, string name, string @event, int priority) =>
        string.Create(CultureInfo.InvariantCulture, $"{type} \"{name}\" {@event} {priority}\n");

    public static string FifoLine(string type, string name, VrrpState state, int priority) =>
        string.Create(CultureInfo.InvariantCulture, $"{type} \"{name}\" {StateName(state)} {priority}\n");
}
