using Vrrp.Packets;

namespace Vrrp.Notifications;

/// <summary>Joins notifiers, so that every router of a host can share one.</summary>
public static class VrrpNotifiers
{
    /// <summary>Returns a notifier that tells each of <paramref name="notifiers"/> in turn; a failing one does not stop the others.</summary>
    /// <param name="notifiers">The notifiers; <see langword="null"/> entries are skipped.</param>
    /// <returns>The one notifier, or <see langword="null"/> when none was given.</returns>
    public static IVrrpNotifier? Combine(params IVrrpNotifier?[] notifiers)
    {
        ArgumentNullException.ThrowIfNull(notifiers);
        IVrrpNotifier[] all = [.. notifiers.OfType<IVrrpNotifier>()];
        return all.Length switch
        {
            0 => null,
            1 => all[0],
            _ => new Combined(all),
        };
    }

    private sealed class Combined(IVrrpNotifier[] notifiers) : IVrrpNotifier
    {
        public void OnStateChanged(VirtualRouter router, in StateChange change)
        {
            foreach (IVrrpNotifier notifier in notifiers)
            {
                try
                {
                    notifier.OnStateChanged(router, change);
                }
#pragma warning disable CA1031 // one listener's failure must not keep the change from the others
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        public void OnPacketDiscarded(VirtualRouter router, VrrpPacketStatus reason)
        {
            foreach (IVrrpNotifier notifier in notifiers)
            {
                try
                {
                    notifier.OnPacketDiscarded(router, reason);
                }
#pragma warning disable CA1031 // as above
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        public void OnSendFailed(VirtualRouter router)
        {
            foreach (IVrrpNotifier notifier in notifiers)
            {
                try
                {
                    notifier.OnSendFailed(router);
                }
#pragma warning disable CA1031 // as above
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        public void OnActionFailed(VirtualRouter router, string seam, Exception exception)
        {
            foreach (IVrrpNotifier notifier in notifiers)
            {
                try
                {
                    notifier.OnActionFailed(router, seam, exception);
                }
#pragma warning disable CA1031 // as above
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }
    }
}
