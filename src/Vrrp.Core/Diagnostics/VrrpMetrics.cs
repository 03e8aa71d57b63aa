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
    private readonly EventHandler<StateChange> _onStateChanged;

    // The routers alone: tags are made when a listener collects, so a tracked router costs one slot here and,
    // when this is its only StateChanged subscriber, nothing in the router (the handler is shared).
    private VirtualRouter[] _routers = [];

    /// <summary>Initializes the instruments.</summary>
    /// <param name="meterFactory">Creates the meter (as dependency injection does); without one the instance owns a meter of its own.</param>
    public VrrpMetrics(IMeterFactory? meterFactory = null)
    {
        _onStateChanged = (sender, change) => OnStateChanged((VirtualRouter)sender!, change);
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
            if (Array.IndexOf(_routers, router) >= 0)
            {
                return;
            }

            router.StateChanged += _onStateChanged;
            _routers = [.. _routers, router];
        }
    }

    /// <summary>Stops reporting a router.</summary>
    /// <param name="router">The router.</param>
    public void Untrack(VirtualRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            if (Array.IndexOf(_routers, router) >= 0)
            {
                router.StateChanged -= _onStateChanged;
                _routers = Array.FindAll(_routers, r => r != router);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (VirtualRouter router in _routers)
            {
                router.StateChanged -= _onStateChanged;
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

    private static KeyValuePair<string, object?>[] Tags(VirtualRouter router, int extra = 0)
    {
        var tags = new KeyValuePair<string, object?>[3 + extra];
        tags[0] = new("vrrp.router", router.Name);
        tags[1] = new("vrrp.vrid", (int)router.VirtualRouterId);
        tags[2] = new("vrrp.interface", router.Interface);
        return tags;
    }

    private List<Measurement<T>> Observe<T>(Func<VirtualRouter, T> read)
        where T : struct
    {
        VirtualRouter[] routers = Volatile.Read(ref _routers);
        var measurements = new List<Measurement<T>>(routers.Length);
        foreach (VirtualRouter router in routers)
        {
            measurements.Add(new Measurement<T>(read(router), Tags(router)));
        }

        return measurements;
    }

    private List<Measurement<double>> ObserveLastTransition()
    {
        VirtualRouter[] routers = Volatile.Read(ref _routers);
        var measurements = new List<Measurement<double>>(routers.Length);
        foreach (VirtualRouter router in routers)
        {
            if (router.LastTransitionTime is { } time)
            {
                measurements.Add(new Measurement<double>((time.UtcTicks - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerSecond, Tags(router)));
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveDiscards()
    {
        var measurements = new List<Measurement<long>>();
        foreach (VirtualRouter router in Volatile.Read(ref _routers))
        {
            foreach (VrrpPacketStatus reason in s_discardReasons)
            {
                long count = reason == VrrpPacketStatus.Valid ? 0 : router.Statistics.Discarded(reason);
                if (count > 0)
                {
                    KeyValuePair<string, object?>[] tags = Tags(router, 1);
                    tags[3] = new("vrrp.discard.reason", reason.ToString());
                    measurements.Add(new Measurement<long>(count, tags));
                }
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveChecksumForms()
    {
        var measurements = new List<Measurement<long>>();
        foreach (VirtualRouter router in Volatile.Read(ref _routers))
        {
            VirtualRouterStatistics statistics = router.Statistics;
            KeyValuePair<string, object?>[] messageOnly = Tags(router, 1), pseudoHeader = Tags(router, 1);
            messageOnly[3] = new("vrrp.checksum.form", "message_only");
            pseudoHeader[3] = new("vrrp.checksum.form", "pseudo_header");
            measurements.Add(new Measurement<long>(statistics.MessageOnlyChecksums, messageOnly));
            measurements.Add(new Measurement<long>(statistics.PseudoHeaderChecksums, pseudoHeader));
        }

        return measurements;
    }

    private void OnStateChanged(VirtualRouter router, StateChange change)
    {
        var tags = new TagList
        {
            { "vrrp.router", router.Name },
            { "vrrp.vrid", (int)router.VirtualRouterId },
            { "vrrp.interface", router.Interface },
            { "vrrp.state.from", Name(change.From) },
            { "vrrp.state.to", Name(change.To) },
            { "vrrp.reason", change.Reason.ToString() },
        };
        _transitions.Add(1, tags);
    }
}
