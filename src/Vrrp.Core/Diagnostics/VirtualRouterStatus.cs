using System.Text.Json;
using Vrrp.Notifications;
using Vrrp.Packets;

namespace Vrrp.Diagnostics;

/// <summary>
/// Writes a router's status as JSON: its state, priorities, the master it hears, its timers, counters and last
/// transitions. This is the document vrrpd serves on its control socket and <c>vrrpctl status</c> prints.
/// </summary>
public static class VirtualRouterStatus
{
    /// <summary>The number of transitions the document carries, newest last.</summary>
    public const int TransitionCount = 10;

    /// <summary>Writes <c>{ "routers": [ … ] }</c> for the routers given.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="routers">The routers.</param>
    public static void Write(Utf8JsonWriter writer, IEnumerable<VirtualRouter> routers)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(routers);
        writer.WriteStartObject();
        writer.WriteStartArray("routers");
        foreach (VirtualRouter router in routers)
        {
            Write(writer, router);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes one router's status object.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="router">The router.</param>
    public static void Write(Utf8JsonWriter writer, VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(router);
        writer.WriteStartObject();
        writer.WriteString("name", router.Name);
        writer.WriteString("interface", router.Interface);
        writer.WriteNumber("virtualRouterId", router.VirtualRouterId);
        writer.WriteString("family", router.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4");
        writer.WriteString("version", router.Version.ToString());
        writer.WriteString("state", router.State.ToString());
        writer.WriteNumber("priority", router.Priority);
        writer.WriteNumber("basePriority", router.BasePriority);
        WriteAddress(writer, "primaryAddress", router.PrimaryAddress);
        WriteAddress(writer, "masterAddress", router.MasterAddress);
        writer.WriteNumber("masterPriority", router.MasterPriority);
        writer.WriteNumber("masterAdvertisementIntervalMs", router.MasterAdvertisementInterval.TotalMilliseconds);
        writer.WriteNumber("masterDownIntervalMs", router.MasterDownInterval.TotalMilliseconds);
        writer.WriteNumber("skewTimeMs", router.SkewTime.TotalMilliseconds);
        writer.WriteStartArray("virtualAddresses");
        foreach (var address in router.VirtualAddresses)
        {
            writer.WriteStringValue(address.ToString());
        }

        writer.WriteEndArray();
        WriteCounters(writer, router.Statistics);
        writer.WriteStartArray("lastTransitions");
        StateChange[] history = router.GetHistory();
        for (int i = Math.Max(0, history.Length - TransitionCount); i < history.Length; i++)
        {
            StateChange change = history[i];
            writer.WriteStartObject();
            writer.WriteString("time", change.Timestamp);
            writer.WriteString("from", change.From.ToString());
            writer.WriteString("to", change.To.ToString());
            writer.WriteString("reason", change.Reason.ToString());
            writer.WriteNumber("priority", change.Priority);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteCounters(Utf8JsonWriter writer, VirtualRouterStatistics statistics)
    {
        writer.WriteStartObject("counters");
        writer.WriteNumber("advertisementsReceived", statistics.AdvertisementsReceived);
        writer.WriteNumber("advertisementsSent", statistics.AdvertisementsSent);
        writer.WriteNumber("sendFailures", statistics.SendFailures);
        writer.WriteNumber("masterTransitions", statistics.MasterTransitions);
        writer.WriteNumber("releasedMaster", statistics.ReleasedMaster);
        writer.WriteNumber("priorityZeroReceived", statistics.PriorityZeroReceived);
        writer.WriteNumber("priorityZeroSent", statistics.PriorityZeroSent);
        writer.WriteNumber("messageOnlyChecksums", statistics.MessageOnlyChecksums);
        writer.WriteNumber("pseudoHeaderChecksums", statistics.PseudoHeaderChecksums);
        writer.WriteNumber("conflictingAnnouncements", statistics.ConflictingAnnouncements);
        writer.WriteStartObject("discarded");
        foreach (VrrpPacketStatus reason in Enum.GetValues<VrrpPacketStatus>())
        {
            long count = statistics.Discarded(reason);
            if (reason != VrrpPacketStatus.Valid && count > 0)
            {
                writer.WriteNumber(reason.ToString(), count);
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteAddress(Utf8JsonWriter writer, string name, PackedIPAddress address)
    {
        if (address.Length == 0)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, address.ToString());
        }
    }
}
