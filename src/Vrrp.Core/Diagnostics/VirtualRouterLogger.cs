using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Vrrp.Notifications;
using Vrrp.Packets;

namespace Vrrp.Diagnostics;

/// <summary>
/// Logs what routers do: every state change, and receive errors, send failures and failed actions rate-limited per
/// router and reason (at most one message per reason per <see cref="ReportInterval"/>, carrying how many were suppressed).
/// </summary>
/// <remarks>
/// <para>
/// Give it to the routers as their <see cref="IVrrpNotifier"/> (one logger for all of them, nothing kept per router
/// until a router first discards something), or <see cref="Attach"/> it to routers built elsewhere.
/// </para>
/// <para>
/// A router that hears a misconfigured peer ten times a second would otherwise flood the log. The first discard
/// for a reason is logged at once; the next ones within the interval are only counted, and the count goes out
/// with the first one after it. Counting takes a lock and two arithmetic operations: no allocation per packet.
/// The interval is measured on the <see cref="TimeProvider"/>.
/// </para>
/// </remarks>
public sealed class VirtualRouterLogger : IVrrpNotifier
{
    // One slot per VrrpPacketStatus, one more for send failures, and one per seam that can throw.
    private static readonly int s_sendSlot = Enum.GetValues<VrrpPacketStatus>().Length;
    private static readonly string[] s_seams = ["address manager", "announcer", "state-change handler", "discard notifier"];
    private static readonly int s_slots = s_sendSlot + 1 + s_seams.Length;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConditionalWeakTable<VirtualRouter, RateLimit> _limits = new();
    private readonly EventHandler<StateChange> _onStateChanged;
    private readonly Action<VirtualRouter, VrrpPacketStatus> _onDiscarded;
    private readonly Action<VirtualRouter> _onSendFailed;
    private readonly Action<VirtualRouter, string, Exception> _onActionFailed;

    /// <summary>Initializes a logger.</summary>
    /// <param name="logger">Where messages go.</param>
    /// <param name="timeProvider">The clock of the rate limit; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="reportInterval">At most one receive-error message per router and reason in this interval; 10 s by default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reportInterval"/> is negative.</exception>
    public VirtualRouterLogger(ILogger logger, TimeProvider? timeProvider = null, TimeSpan? reportInterval = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        ReportInterval = reportInterval ?? TimeSpan.FromSeconds(10);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReportInterval, TimeSpan.Zero, nameof(reportInterval));
        _onStateChanged = (sender, change) => OnStateChanged((VirtualRouter)sender!, change);
        _onDiscarded = OnPacketDiscarded;
        _onSendFailed = OnSendFailed;
        _onActionFailed = OnActionFailed;
    }

    /// <summary>Gets the least time between two receive-error messages of one router and reason.</summary>
    public TimeSpan ReportInterval { get; }

    /// <summary>Starts logging the state changes, receive errors and send failures of a router that was built without this logger as its notifier.</summary>
    /// <param name="router">The router.</param>
    /// <returns>Dispose it to stop.</returns>
    public IDisposable Attach(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        router.StateChanged += _onStateChanged;
        router.PacketDiscarded += _onDiscarded;
        router.SendFailed += _onSendFailed;
        router.ActionFailed += _onActionFailed;
        return new Subscription(this, router);
    }

    /// <inheritdoc/>
    public void OnStateChanged(VirtualRouter router, in StateChange change)
    {
        ArgumentNullException.ThrowIfNull(router);
        VrrpLog.StateChanged(_logger, router.Name, change.From, change.To, change.Reason, change.Priority);
    }

    /// <inheritdoc/>
    public void OnPacketDiscarded(VirtualRouter router, VrrpPacketStatus reason)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (TryReport(router, (int)reason, out long suppressed))
        {
            try
            {
                VrrpLog.PacketDiscarded(_logger, router.Name, reason, suppressed);
            }
#pragma warning disable CA1031 // a failing logger must not fail the receive or send path
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <inheritdoc/>
    public void OnSendFailed(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (TryReport(router, s_sendSlot, out long suppressed))
        {
            try
            {
                VrrpLog.SendFailed(_logger, router.Name, suppressed);
            }
#pragma warning disable CA1031 // a failing logger must not fail the receive or send path
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <inheritdoc/>
    public void OnActionFailed(VirtualRouter router, string seam, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(router);
        int seamIndex = Math.Max(0, Array.IndexOf(s_seams, seam));
        if (TryReport(router, s_sendSlot + 1 + seamIndex, out long suppressed))
        {
            try
            {
                VrrpLog.ActionFailed(_logger, exception, router.Name, seam, suppressed);
            }
#pragma warning disable CA1031 // a failing logger must not fail the router's actions
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private bool TryReport(VirtualRouter router, int slot, out long suppressed)
    {
        long now = _time.GetTimestamp();
        RateLimit limit = _limits.GetValue(router, static _ => new RateLimit());
        lock (limit)
        {
            if (limit.Reported[slot] && _time.GetElapsedTime(limit.LastReport[slot], now) < ReportInterval)
            {
                limit.Suppressed[slot]++;
                suppressed = 0;
                return false;
            }

            suppressed = limit.Suppressed[slot];
            limit.Suppressed[slot] = 0;
            limit.LastReport[slot] = now;
            limit.Reported[slot] = true;
            return true;
        }
    }

    // Made at a router's first discard or failed send, and gone with the router.
    private sealed class RateLimit
    {
        public long[] LastReport { get; } = new long[s_slots];

        public long[] Suppressed { get; } = new long[s_slots];

        public bool[] Reported { get; } = new bool[s_slots];
    }

    private sealed class Subscription(VirtualRouterLogger owner, VirtualRouter router) : IDisposable
    {
        public void Dispose()
        {
            router.StateChanged -= owner._onStateChanged;
            router.PacketDiscarded -= owner._onDiscarded;
            router.SendFailed -= owner._onSendFailed;
            router.ActionFailed -= owner._onActionFailed;
        }
    }
}
