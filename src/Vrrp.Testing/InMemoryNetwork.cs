using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Testing;

/// <summary>
/// A simulated Ethernet segment that carries real encoded VRRP packets between hosts, with per-link loss,
/// duplication, delay, jitter (and so reordering), partitions and a frame log, all seeded and reproducible.
/// </summary>
/// <remarks>
/// Frames are delivered by a timer of the network's <see cref="TimeProvider"/>: with a <see cref="VirtualClock"/>
/// every delivery happens at a deterministic instant, and a frame sent with no delay arrives right after the
/// callback that sent it, never inside it. Steady-state traffic allocates nothing: buffers are pooled and the log
/// is a ring.
/// </remarks>
public sealed class InMemoryNetwork : IDisposable
{
    private const int BufferSize = 2048;
    private static readonly TimerCallback s_pump = static state => ((InMemoryNetwork)state!).Pump();

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly List<InMemoryHost> _hosts = [];
    private readonly Dictionary<(int From, int To), LinkConditions> _links = [];
    private readonly PriorityQueue<Delivery, (long Due, long Sequence)> _queue = new();
    private readonly FrameRecord[] _log;
    private readonly Dictionary<PackedIPAddress, MacAddress> _announced = [];

    // The network's own buffers: the shared ArrayPool keeps few arrays per core, and a burst of hundreds of frames
    // in flight (every master of a large simulation sending at the same instant) would make it allocate.
    private readonly Stack<byte[]> _buffers = new();
    private readonly ITimer _timer;
    private long _logCount;
    private long _sequence;
    private long _armedFor = long.MaxValue;

    /// <summary>Initializes a network.</summary>
    /// <param name="timeProvider">The clock: a <see cref="VirtualClock"/> for deterministic tests, or <see cref="TimeProvider.System"/> for real time.</param>
    /// <param name="seed">The seed of every random choice (loss, duplication, jitter).</param>
    /// <param name="frameLogCapacity">How many frames the log keeps, newest last.</param>
    public InMemoryNetwork(TimeProvider timeProvider, int seed = 1, int frameLogCapacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameLogCapacity, 1);
        _time = timeProvider;
        _random = new Random(seed);
        _log = new FrameRecord[frameLogCapacity];
        _timer = timeProvider.CreateTimer(s_pump, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets the clock that delivers the frames: routers on this network should share it.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Gets or sets the conditions of every link without its own.</summary>
    public LinkConditions DefaultConditions { get; set; } = LinkConditions.Perfect;

    /// <summary>Gets the hosts.</summary>
    public IReadOnlyList<InMemoryHost> Hosts => _hosts;

    /// <summary>Gets the number of frames sent so far (each copy counted once per receiver).</summary>
    public long FramesSent => Interlocked.Read(ref _logCount);

    /// <summary>Adds a host with addresses 198.51.100.{n+10}, fe80::{n+10} and MAC 02:00:00:00:00:{n+10}, n counting from 1.</summary>
    /// <param name="name">The host's name.</param>
    /// <returns>The host.</returns>
    public InMemoryHost AddHost(string name)
    {
        lock (_gate)
        {
            int n = _hosts.Count + 11;
            return AddHost(name, PackedIPAddress.Parse($"198.51.100.{n}"), PackedIPAddress.Parse($"fe80::{n:x}"), MacAddress.Parse($"02:00:00:00:{n >> 8:x2}:{n & 0xFF:x2}"));
        }
    }

    /// <summary>Adds a host with the addresses given.</summary>
    /// <param name="name">The host's name.</param>
    /// <param name="ipv4">Its primary IPv4 address.</param>
    /// <param name="ipv6LinkLocal">Its IPv6 link-local address.</param>
    /// <param name="mac">Its MAC.</param>
    /// <returns>The host.</returns>
    public InMemoryHost AddHost(string name, PackedIPAddress ipv4, PackedIPAddress ipv6LinkLocal, MacAddress mac)
    {
        lock (_gate)
        {
            var host = new InMemoryHost(this, _hosts.Count, name, ipv4, ipv6LinkLocal, mac);
            _hosts.Add(host);
            return host;
        }
    }

    /// <summary>Sets the conditions of the link from one host to another (one direction).</summary>
    /// <param name="from">The sender.</param>
    /// <param name="to">The receiver.</param>
    /// <param name="conditions">The conditions.</param>
    public void SetConditions(InMemoryHost from, InMemoryHost to, LinkConditions conditions)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(conditions);
        lock (_gate)
        {
            _links[(from.Index, to.Index)] = conditions;
        }
    }

    /// <summary>Splits the segment: hosts in different groups no longer hear each other; hosts in no group form one more group.</summary>
    /// <param name="groups">The groups.</param>
    public void Partition(params IEnumerable<InMemoryHost>[] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        lock (_gate)
        {
            foreach (InMemoryHost host in _hosts)
            {
                host.PartitionGroup = 0;
            }

            for (int i = 0; i < groups.Length; i++)
            {
                foreach (InMemoryHost host in groups[i])
                {
                    host.PartitionGroup = i + 1;
                }
            }
        }
    }

    /// <summary>Joins every partition again.</summary>
    public void Heal() => Partition();

    /// <summary>Takes a host's link down or up: a down host neither sends nor receives.</summary>
    /// <param name="host">The host.</param>
    /// <param name="connected">Whether its link is up.</param>
    public void SetConnected(InMemoryHost host, bool connected)
    {
        ArgumentNullException.ThrowIfNull(host);
        lock (_gate)
        {
            host.IsConnected = connected;
        }
    }

    /// <summary>Returns the frame log, oldest first.</summary>
    /// <returns>A copy of the log.</returns>
    public FrameRecord[] GetFrameLog()
    {
        lock (_gate)
        {
            long count = Math.Min(_logCount, _log.Length);
            var copy = new FrameRecord[count];
            for (long i = 0; i < count; i++)
            {
                copy[i] = _log[(_logCount - count + i) % _log.Length];
            }

            return copy;
        }
    }

    /// <summary>
    /// Tells which MAC the link last heard announced for an address (gratuitous ARP or unsolicited NA): where a client
    /// that hears every connected host, whatever the partitions, would send to it now.
    /// </summary>
    /// <param name="address">A virtual address.</param>
    /// <param name="mac">The MAC of the last announcement.</param>
    /// <returns><see langword="false"/> when nobody announced it yet.</returns>
    public bool TryGetAnnouncedMac(PackedIPAddress address, out MacAddress mac)
    {
        lock (_gate)
        {
            return _announced.TryGetValue(address, out mac);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            _queue.Clear();
            _buffers.Clear();
        }
    }

    internal bool Send(InMemoryHost from, AddressFamily family, ReadOnlySpan<byte> packet, PackedIPAddress destination)
    {
        lock (_gate)
        {
            if (!from.IsConnected)
            {
                return false;
            }

            Peek(family, packet, out byte vrid, out byte priority);
            long now = _time.GetTimestamp();
            foreach (InMemoryHost to in _hosts)
            {
                if (to == from || (!destination.IsMulticast && destination != to.Transport(family).PrimaryAddress))
                {
                    continue;
                }

                if (!to.IsConnected || to.PartitionGroup != from.PartitionGroup)
                {
                    Log(from, to, family, vrid, priority, packet.Length, FrameOutcome.Partitioned);
                    continue;
                }

                LinkConditions link = _links.TryGetValue((from.Index, to.Index), out LinkConditions? own) ? own : DefaultConditions;
                if (link.Loss > 0 && _random.NextDouble() < link.Loss)
                {
                    Log(from, to, family, vrid, priority, packet.Length, FrameOutcome.Lost);
                    continue;
                }

                int copies = link.Duplication > 0 && _random.NextDouble() < link.Duplication ? 2 : 1;
                for (int c = 0; c < copies; c++)
                {
                    long delay = link.Delay.Ticks + (link.Jitter > TimeSpan.Zero ? (long)(_random.NextDouble() * link.Jitter.Ticks) : 0);
                    byte[] buffer = packet.Length <= BufferSize && _buffers.TryPop(out byte[]? pooled) ? pooled : new byte[Math.Max(BufferSize, packet.Length)];
                    packet.CopyTo(buffer);
                    long due = now + (long)(delay * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
                    var delivery = new Delivery(from, to, family, buffer, packet.Length, from.Transport(family).PrimaryAddress, destination, vrid, priority);
                    _queue.Enqueue(delivery, (due, _sequence++));
                }
            }

            ArmPump(now);
            return true;
        }
    }

    /// <summary>
    /// Carries one announcement of <paramref name="address"/> at <paramref name="mac"/> to the other hosts, as a
    /// gratuitous ARP or unsolicited neighbour advertisement frame, with the links' delay and the partitions. Loss and
    /// jitter are left out, as a filter of VRRP leaves them alone, and so that seeded VRRP runs draw the same random
    /// numbers with or without them.
    /// </summary>
    internal void Announce(InMemoryHost from, MacAddress mac, PackedIPAddress address)
    {
        lock (_gate)
        {
            if (!from.IsConnected)
            {
                return;
            }

            _announced[address] = mac;
            long now = _time.GetTimestamp();
            foreach (InMemoryHost to in _hosts)
            {
                if (to == from || !to.IsConnected || to.PartitionGroup != from.PartitionGroup)
                {
                    continue;
                }

                LinkConditions link = _links.TryGetValue((from.Index, to.Index), out LinkConditions? own) ? own : DefaultConditions;
                byte[] buffer = _buffers.TryPop(out byte[]? pooled) ? pooled : new byte[BufferSize];
                int length;
                _ = address.Length == 4
                    ? GratuitousArp.TryWrite(buffer, mac, address, out length)
                    : UnsolicitedNeighborAdvertisement.TryWrite(buffer, mac, from.IPv6LinkLocalAddress, address, UnsolicitedNeighborAdvertisement.RfcFlags, out length);
                long due = now + (long)(link.Delay.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
                _queue.Enqueue(new Delivery(from, to, AddressFamily.Unknown, buffer, length, default, default, 0, 0), (due, _sequence++));
            }

            ArmPump(now);
        }
    }

    private void Pump()
    {
        while (true)
        {
            Delivery delivery;
            lock (_gate)
            {
                _armedFor = long.MaxValue;
                long now = _time.GetTimestamp();
                if (!_queue.TryPeek(out delivery, out (long Due, long Sequence) key) || key.Due > now)
                {
                    ArmPump(now);
                    return;
                }

                _queue.Dequeue();
                bool reachable = delivery.To.IsConnected && delivery.From.PartitionGroup == delivery.To.PartitionGroup;
                if (delivery.Family != AddressFamily.Unknown)
                {
                    Log(delivery.From, delivery.To, delivery.Family, delivery.VirtualRouterId, delivery.Priority, delivery.Length, reachable ? FrameOutcome.Delivered : FrameOutcome.Partitioned);
                }

                if (!reachable)
                {
                    ReturnBuffer(delivery.Buffer);
                    continue;
                }
            }

            // Delivered outside the network's lock: a router that answers at once sends from inside Receive.
            try
            {
                if (delivery.Family == AddressFamily.Unknown)
                {
                    delivery.To.HearAnnouncement(delivery.Buffer.AsSpan(0, delivery.Length));
                    continue;
                }

                var metadata = new PacketMetadata(delivery.Source, delivery.Destination, VrrpDatagram.RequiredHopLimit);
                delivery.To.Transport(delivery.Family).Dispatcher.Dispatch(delivery.Buffer.AsSpan(0, delivery.Length), metadata);
            }
            finally
            {
                lock (_gate)
                {
                    ReturnBuffer(delivery.Buffer);
                }
            }
        }
    }

    private void ReturnBuffer(byte[] buffer)
    {
        if (buffer.Length == BufferSize)
        {
            _buffers.Push(buffer);
        }
    }

    private void ArmPump(long now)
    {
        if (!_queue.TryPeek(out _, out (long Due, long Sequence) key) || key.Due >= _armedFor)
        {
            return;
        }

        _armedFor = key.Due;
        long wait = Math.Max(0, key.Due - now);
        _timer.Change(TimeSpan.FromTicks((long)(wait * (TimeSpan.TicksPerSecond / (double)_time.TimestampFrequency))), Timeout.InfiniteTimeSpan);
    }

    private void Log(InMemoryHost from, InMemoryHost to, AddressFamily family, byte vrid, byte priority, int length, FrameOutcome outcome)
    {
        _log[_logCount % _log.Length] = new FrameRecord(_time.GetUtcNow(), from.Name, to.Name, family, vrid, priority, length, outcome);
        _logCount++;
    }

    private static void Peek(AddressFamily family, ReadOnlySpan<byte> packet, out byte vrid, out byte priority)
    {
        int offset = family == AddressFamily.InterNetwork && packet.Length >= 20 ? ((packet[0] & 0x0F) * 4) + (packet[9] == AuthenticationHeader.IPProtocol ? AuthenticationHeader.Length : 0) : 0;
        vrid = packet.Length > offset + 2 ? packet[offset + 1] : (byte)0;
        priority = packet.Length > offset + 2 ? packet[offset + 2] : (byte)0;
    }

    private readonly record struct Delivery(InMemoryHost From, InMemoryHost To, AddressFamily Family, byte[] Buffer, int Length, PackedIPAddress Source, PackedIPAddress Destination, byte VirtualRouterId, byte Priority);
}
