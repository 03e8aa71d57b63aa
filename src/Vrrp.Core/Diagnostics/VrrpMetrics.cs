using System.Diagnostics;
using System.Diagnostics.Metrics;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Diagnostics;

/// <summary>
/// The "Vrrp" meter: the state, priority and counters of every tracked router, state transitions, and the
/// latency and failures of notification hooks. Instrument names and tags are listed in the README.
/// </summary>
/// <remarks>
/// Counters of packets are observable instruments that read <see cref="VirtualRouterStatistics"/> when a listener
/// collects, so the receive and send paths stay as they are: no allocation, no instrument call per packet. Only
/// state transitions (rare) and hook runs record directly.
/// </remarks>
public sealed class VrrpMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Vrrp";

    private static readonly VrrpPacketStatus[] s_discardReasons = Enum.GetValues<VrrpPacketStatus>();

    private readonly object _gate = new();
    private readonly Counter<long> _transitions;
    private readonly Histogram<double> _hookDuration;
    private readonly Counter<long> _hookOverruns;
    private readonly Counter<long> _hookFailures;
    private readonly bool _ownsMeter;
    private Tracked[] _routers = [];

    /// <summary>Initializes the instruments.</summary>
    /// <param name="meterFactory">Creates the meter (as dependency injection does); without one the instance owns a meter of its own.</param>
    public VrrpMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);

        Meter.CreateObservableGauge("vrrp.router.state", () => Observe(static r => (int)r.State), "{state}",
            "The router's state: 0 Initialize, 1 Backup, 2 Master, 3 Fault, 4 Stopped.");
        Meter.CreateObservableGauge("vrrp.router.priority", () => Observe(static r => (int)r.Priority), "{priority}",
            "The router's effective priority.");
        Meter.CreateObservableGauge("vrrp.router.last_transition", ObserveLastTransition, "s",
            "When the router last changed state, in seconds since the Unix epoch.");
        _transitions = Meter.CreateCounter<long>("vrrp.router.transitions", "{transition}",
            "State changes, tagged with the states left and entered and the reason.");
        Meter.CreateObservableCounter("vrrp.advertisements.sent", () => Observe(static r => r.Statistics.AdvertisementsSent), "{advertisement}",
            "Advertisements sent (RFC 8347 advertisement-sent).");
        Meter.CreateObservableCounter("vrrp.advertisements.received", () => Observe(static r => r.Statistics.AdvertisementsReceived), "{advertisement}",
            "Advertisements accepted (RFC 8347 advertisement-rcvd).");
        Meter.CreateObservableCounter("vrrp.advertisements.send_failures", () => Observe(static r => r.Statistics.SendFailures), "{advertisement}",
            "Advertisements the transport could not send.");
        Meter.CreateObservableCounter("vrrp.priority_zero.sent", () => Observe(static r => r.Statistics.PriorityZeroSent), "{advertisement}",
            "Priority-0 advertisements sent (RFC 8347 priority-zero-pkts-sent).");
        Meter.CreateObservableCounter("vrrp.priority_zero.received", () => Observe(static r => r.Statistics.PriorityZeroReceived), "{advertisement}",
            "Priority-0 advertisements received (RFC 8347 priority-zero-pkts-rcvd).");
        Meter.CreateObservableCounter("vrrp.announcements.conflicting", () => Observe(static r => r.Statistics.ConflictingAnnouncements), "{announcement}",
            "Announcements of the router's addresses from another MAC, seen while master.");
        Meter.CreateObservableCounter("vrrp.packets.discarded", ObserveDiscards, "{packet}",
            "Received packets discarded, tagged with the reason (RFC 8347's error counters).");
        Meter.CreateObservableCounter("vrrp.advertisements.checksum_form", ObserveChecksumForms, "{advertisement}",
            "Accepted VRRPv3 IPv4 advertisements by checksum form: message_only (RFC 9568) or pseudo_header (keepalived).");
        _hookDuration = Meter.CreateHistogram<double>("vrrp.notification.hook.duration", "s",
            "How long a notification hook ran, tagged with the hook and its outcome (ok, overrun, failed).");
        _hookOverruns = Meter.CreateCounter<long>("vrrp.notification.hook.overruns", "{run}",
            "Notification hook runs cancelled for overrunning their budget.");
        _hookFailures = Meter.CreateCounter<long>("vrrp.notification.hook.failures", "{run}",
            "Notification hook runs that threw.");
    }

    /// <summary>Gets the meter.</summary>
    public Meter Meter { get; }

    /// <summary>Starts reporting a router.</summary>
    /// <param name="router">The router.</param>
    public void Track(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            if (Array.Exists(_routers, t => t.Router == router))
            {
                return;
            }

            var tracked = new Tracked(this, router);
            router.StateChanged += tracked.OnStateChanged;
            _routers = [.. _routers, tracked];
        }
    }

    /// <summary>Stops reporting a router.</summary>
    /// <param name="router">The router.</param>
    public void Untrack(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            Tracked? tracked = Array.Find(_routers, t => t.Router == router);
            if (tracked is not null)
            {
                router.StateChanged -= tracked.OnStateChanged;
                _routers = Array.FindAll(_routers, t => t != tracked);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (Tracked tracked in _routers)
            {
                tracked.Router.StateChanged -= tracked.OnStateChanged;
            }

            _routers = [];
        }

        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    internal void RecordHook(string router, string hook, TimeSpan duration, string outcome)
    {
        var tags = new TagList { { "vrrp.router", router }, { "vrrp.hook", hook } };
        if (outcome == "overrun")
        {
            _hookOverruns.Add(1, tags);
        }
        else if (outcome == "failed")
        {
            _hookFailures.Add(1, tags);
        }

        tags.Add("vrrp.hook.outcome", outcome);
        _hookDuration.Record(duration.TotalSeconds, tags);
    }

    private static string Name(VrrpState state) => state switch
    {
        VrrpState.Initialize => "initialize",
        VrrpState.Backup => "backup",
        VrrpState.Master => "master",
        VrrpState.Fault => "fault",
        _ => "stopped",
    };

    private List<Measurement<T>> Observe<T>(Func<VirtualRouter, T> read)
        where T : struct
    {
        Tracked[] routers = Volatile.Read(ref _routers);
        var measurements = new List<Measurement<T>>(routers.Length);
        foreach (Tracked tracked in routers)
        {
            measurements.Add(new Measurement<T>(read(tracked.Router), tracked.Tags));
        }

        return measurements;
    }

    private List<Measurement<double>> ObserveLastTransition()
    {
        Tracked[] routers = Volatile.Read(ref _routers);
        var measurements = new List<Measurement<double>>(routers.Length);
        foreach (Tracked tracked in routers)
        {
            long ticks = Interlocked.Read(ref tracked.LastTransitionUtcTicks);
            if (ticks != 0)
            {
                measurements.Add(new Measurement<double>((ticks - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerSecond, tracked.Tags));
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveDiscards()
    {
        var measurements = new List<Measurement<long>>();
        foreach (Tracked tracked in Volatile.Read(ref _routers))
        {
            foreach (VrrpPacketStatus reason in s_discardReasons)
            {
                long count = reason == VrrpPacketStatus.Valid ? 0 : tracked.Router.Statistics.Discarded(reason);
                if (count > 0)
                {
                    measurements.Add(new Measurement<long>(count, [.. tracked.Tags, new("vrrp.discard.reason", reason.ToString())]));
                }
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveChecksumForms()
    {
        var measurements = new List<Measurement<long>>();
        foreach (Tracked tracked in Volatile.Read(ref _routers))
        {
            VirtualRouterStatistics statistics = tracked.Router.Statistics;
            measurements.Add(new Measurement<long>(statistics.MessageOnlyChecksums, [.. tracked.Tags, new("vrrp.checksum.form", "message_only")]));
            measurements.Add(new Measurement<long>(statistics.PseudoHeaderChecksums, [.. tracked.Tags, new("vrrp.checksum.form", "pseudo_header")]));
        }

        return measurements;
    }

    private sealed class Tracked
    {
        private readonly VrrpMetrics _owner;

        public Tracked(VrrpMetrics owner, VirtualRouter router)
        {
            _owner = owner;
            Router = router;
            Tags =
            [
                new("vrrp.router", router.Name),
                new("vrrp.vrid", (int)router.VirtualRouterId),
                new("vrrp.interface", router.Interface),
            ];
        }

        public VirtualRouter Router { get; }

        public KeyValuePair<string, object?>[] Tags { get; }

#pragma warning disable SA1401, CA1051 // read with Interlocked by the owner
        public long LastTransitionUtcTicks;
#pragma warning restore SA1401, CA1051

        public void OnStateChanged(object? sender, StateChange change)
        {
            Interlocked.Exchange(ref LastTransitionUtcTicks, change.Timestamp.UtcTicks);
            var tags = new TagList(Tags)
            {
                { "vrrp.state.from", Name(change.From) },
                { "vrrp.state.to", Name(change.To) },
                { "vrrp.reason", change.Reason.ToString() },
            };
            _owner._transitions.Add(1, tags);
        }
    }
}
