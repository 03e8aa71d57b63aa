using Microsoft.Extensions.Logging;
using Vrrp.Notifications;
using Vrrp.Packets;

namespace Vrrp.Diagnostics;

/// <summary>
/// Logs what routers do: every state change, and receive errors and send failures rate-limited per router and
/// reason (at most one message per reason per <see cref="ReportInterval"/>, carrying how many were suppressed).
/// </summary>
/// <remarks>
/// A router that hears a misconfigured peer ten times a second would otherwise flood the log. The first discard
/// for a reason is logged at once; the next ones within the interval are only counted, and the count goes out
/// with the first one after it. Counting takes a lock and two arithmetic operations: no allocation per packet.
/// The interval is measured on the <see cref="TimeProvider"/>.
/// </remarks>
public sealed class VirtualRouterLogger
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

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
    }

    /// <summary>Gets the least time between two receive-error messages of one router and reason.</summary>
    public TimeSpan ReportInterval { get; }

    /// <summary>Starts logging a router's state changes, receive errors and send failures.</summary>
    /// <param name="router">The router.</param>
    /// <returns>Dispose it to stop.</returns>
    public IDisposable Attach(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return new Subscription(this, router);
    }

    private sealed class Subscription : IDisposable
    {
        // One slot per VrrpPacketStatus, and one more for send failures.
        private static readonly int s_sendSlot = Enum.GetValues<VrrpPacketStatus>().Length;

        private readonly VirtualRouterLogger _owner;
        private readonly VirtualRouter _router;
        private readonly long[] _lastReport = new long[s_sendSlot + 1];
        private readonly long[] _suppressed = new long[s_sendSlot + 1];
        private readonly bool[] _reported = new bool[s_sendSlot + 1];
        private readonly EventHandler<StateChange> _onStateChanged;
        private readonly Action<VrrpPacketStatus> _onDiscarded;
        private readonly Action _onSendFailed;

        public Subscription(VirtualRouterLogger owner, VirtualRouter router)
        {
            _owner = owner;
            _router = router;
            _onStateChanged = OnStateChanged;
            _onDiscarded = OnDiscarded;
            _onSendFailed = OnSendFailed;
            router.StateChanged += _onStateChanged;
            router.Statistics.PacketDiscarded += _onDiscarded;
            router.Statistics.SendFailed += _onSendFailed;
        }

        public void Dispose()
        {
            _router.StateChanged -= _onStateChanged;
            _router.Statistics.PacketDiscarded -= _onDiscarded;
            _router.Statistics.SendFailed -= _onSendFailed;
        }

        private void OnStateChanged(object? sender, StateChange change) =>
            VrrpLog.StateChanged(_owner._logger, _router.Name, change.From, change.To, change.Reason, change.Priority);

        private void OnDiscarded(VrrpPacketStatus reason)
        {
            if (TryReport((int)reason, out long suppressed))
            {
                try
                {
                    VrrpLog.PacketDiscarded(_owner._logger, _router.Name, reason, suppressed);
                }
#pragma warning disable CA1031 // a failing logger must not fail the receive or send path
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        private void OnSendFailed()
        {
            if (TryReport(s_sendSlot, out long suppressed))
            {
                try
                {
                    VrrpLog.SendFailed(_owner._logger, _router.Name, suppressed);
                }
#pragma warning disable CA1031 // a failing logger must not fail the receive or send path
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        private bool TryReport(int slot, out long suppressed)
        {
            long now = _owner._time.GetTimestamp();
            lock (_lastReport)
            {
                if (_reported[slot] && _owner._time.GetElapsedTime(_lastReport[slot], now) < _owner.ReportInterval)
                {
                    _suppressed[slot]++;
                    suppressed = 0;
                    return false;
                }

                suppressed = _suppressed[slot];
                _suppressed[slot] = 0;
                _lastReport[slot] = now;
                _reported[slot] = true;
                return true;
            }
        }
    }
}
