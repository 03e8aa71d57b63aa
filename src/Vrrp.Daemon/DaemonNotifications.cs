using Microsoft.Extensions.Logging;
using Vrrp;
using Vrrp.Diagnostics;
using Vrrp.Keepalived.Notify;
using Vrrp.Keepalived.Plan;
using Vrrp.Notifications;

namespace VrrpDaemon;

/// <summary>One configuration's notifications: the dispatcher, and keepalived's scripts, FIFO and state file on it.</summary>
internal sealed class DaemonNotifications : IAsyncDisposable
{
    private DaemonNotifications(VrrpNotificationDispatcher dispatcher, KeepalivedNotifications keepalived)
    {
        Dispatcher = dispatcher;
        Keepalived = keepalived;
    }

    public VrrpNotificationDispatcher Dispatcher { get; }

    public KeepalivedNotifications Keepalived { get; }

    // Notify scripts and the notify FIFO run on the system clock's pool: a slow script's timer must never share the
    // precise timer thread that paces the adverts.
    public static DaemonNotifications Create(KeepalivedPlan plan, ILoggerFactory loggers, VrrpMetrics metrics)
    {
        ILogger logger = loggers.CreateLogger("Vrrp.Notify");
        var dispatcher = new VrrpNotificationDispatcher(TimeProvider.System, logger, metrics);
        var keepalived = new KeepalivedNotifications(dispatcher, logger);
        var notifications = new DaemonNotifications(dispatcher, keepalived);
        try
        {
            foreach (KeepalivedRouterPlan router in plan.Routers.Where(r => r.Notify is not null))
            {
                keepalived.AddNotifyScripts(router.Name, router.Notify!);
            }

            foreach (KeepalivedSyncGroupPlan group in plan.SyncGroups.Where(g => g.Notify is not null))
            {
                keepalived.AddNotifyScripts(group.Name, group.Notify!);
            }

            if (plan.NotifyFifo is not null)
            {
                keepalived.AddNotifyFifo(plan.NotifyFifo, plan.NotifyFifoScript, plan.NotifyFifoScriptUser);
            }

            if (plan.StateFile is not null)
            {
                keepalived.AddStateFile(plan.StateFile);
            }

            return notifications;
        }
        catch
        {
            _ = notifications.DisposeAsync().AsTask();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Dispatcher.DisposeAsync();
        Keepalived.Dispose();
    }
}
