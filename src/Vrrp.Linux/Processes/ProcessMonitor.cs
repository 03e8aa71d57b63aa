using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Vrrp.Linux.Netlink;

namespace Vrrp.Linux.Processes;

/// <summary>
/// Counts running processes for <c>vrrp_track_process</c> checks (<see cref="CreateCheck"/>), as keepalived does: one
/// walk of <c>/proc</c> when a check is made, then the kernel's process events (the netlink connector's fork, exec,
/// name change and exit) update the counts, so nothing polls. One monitor for a process.
/// </summary>
/// <remarks>
/// The kernel sends process events only to sockets of the first network namespace, and enables them only for a
/// process of the first user and pid namespaces (it acknowledges the request then). Elsewhere (a vrrpd in a network
/// namespace of its own, a container with its own pids, no CAP_NET_ADMIN) the monitor walks <c>/proc</c> every
/// <see cref="PollInterval"/> instead, and <see cref="UsesProcessEvents"/> says so. A new process inherits its parent's
/// count without a read (it has the parent's name until it execs); reads of <c>/proc</c> go through buffers of the
/// monitor's, bounded (a command line is read up to 4 KiB). When the kernel drops events, counts are taken afresh a
/// second later.
/// </remarks>
public sealed class ProcessMonitor : IDisposable
{
    private const int NETLINK_CONNECTOR = 11;
    private const uint CN_IDX_PROC = 1;
    private const uint CN_VAL_PROC = 1;
    private const ushort NLMSG_DONE = 3;
    private const uint PROC_CN_MCAST_LISTEN = 1;
    private const uint PROC_CN_MCAST_IGNORE = 2;
    private const uint PROC_EVENT_NONE = 0x00000000;
    private const uint PROC_EVENT_FORK = 0x00000001;
    private const uint PROC_EVENT_EXEC = 0x00000002;
    private const uint PROC_EVENT_COMM = 0x00000200;
    private const uint PROC_EVENT_EXIT = 0x80000000;
    private const int CommandLineLimit = 4096;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly List<Watched> _checks = [];
    private readonly NetlinkSubscription? _events;
    private readonly ITimer? _poll;
    private readonly ITimer? _rescanLater;
    private readonly ManualResetEventSlim _acknowledged = new();
    private readonly uint _sequence = (uint)Random.Shared.Next(1, 0xFFFF);
    private readonly byte[] _stat = new byte[1024];
    private readonly byte[] _commandLine = new byte[CommandLineLimit];
    private bool _disposed;

    /// <summary>Starts listening to process events, or polling where they are not to be had.</summary>
    /// <param name="time">The clock of the checks' delays (and the polling), <see cref="TimeProvider.System"/> by default.</param>
    public ProcessMonitor(TimeProvider? time = null)
        : this(time, listen: true)
    {
    }

    /// <param name="time">The clock.</param>
    /// <param name="listen">False to poll without asking for events: the fuzzer feeds <see cref="OnMessage"/> itself.</param>
    internal ProcessMonitor(TimeProvider? time, bool listen)
    {
        _time = time ?? TimeProvider.System;
        if (listen && !InNestedPidNamespace())
        {
            try
            {
                _events = new NetlinkSubscription(NETLINK_CONNECTOR, CN_IDX_PROC, "vrrp-process-events", OnMessage, RescanSoon, start: false);
                _events.Start();

                // Only the kernel's acknowledgement says the events are on: a send succeeds even where they stay off.
                if (_events.Send(Request(PROC_CN_MCAST_LISTEN)) == 0 && _acknowledged.Wait(TimeSpan.FromSeconds(1)))
                {
                    UsesProcessEvents = true;
                    _rescanLater = _time.CreateTimer(static state => ((ProcessMonitor)state!).Rescan(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    return;
                }

                _events.Dispose();
                _events = null;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                _events = null; // no CAP_NET_ADMIN (bind to the connector's group needs it): poll
            }
        }

        _poll = _time.CreateTimer(static state => ((ProcessMonitor)state!).Rescan(), this, PollInterval, PollInterval);
    }

    /// <summary>Gets how often <c>/proc</c> is walked when process events cannot be had: half a second.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets a value indicating whether counts follow the kernel's process events (else <c>/proc</c> is polled).</summary>
    public bool UsesProcessEvents { get; }

    /// <summary>The connector socket, when <see cref="UsesProcessEvents"/>: its port id and the datagrams it dropped.</summary>
    internal NetlinkSubscription? Events => _events;

    /// <summary>Makes a check that is healthy while <paramref name="quorum"/> to <paramref name="quorumMaximum"/> matching processes run.</summary>
    /// <param name="match">Which processes count.</param>
    /// <param name="quorum">The fewest (keepalived's <c>quorum</c>, 1 by default; 0 with a maximum of 0: healthy while none runs).</param>
    /// <param name="quorumMaximum">The most (<c>quorum_max</c>; <see cref="int.MaxValue"/> for no limit).</param>
    /// <param name="forkDelay">How long the quorum must hold before the check turns healthy (<c>fork_delay</c>).</param>
    /// <param name="terminateDelay">How long it must be lost before the check turns unhealthy (<c>terminate_delay</c>).</param>
    /// <returns>The check; dispose it to stop counting.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A quorum or delay is out of range.</exception>
    public ProcessHealthCheck CreateCheck(ProcessMatch match, int quorum = 1, int quorumMaximum = int.MaxValue, TimeSpan forkDelay = default, TimeSpan terminateDelay = default)
    {
        var check = new ProcessHealthCheck(this, match, quorum, quorumMaximum, forkDelay, terminateDelay, _time);
        var watched = new Watched(check);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (int pid in Pids())
            {
                if (Read(pid, match.FullCommand) is { } process && match.Matches(process.Comm, process.CommandLine))
                {
                    watched.Pids.Add(pid);
                }
            }

            check.Start(watched.Pids.Count);
            _checks.Add(watched);
        }

        return check;
    }

    /// <summary>Stops listening or polling.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _checks.Clear();
        }

        _poll?.Dispose();
        _rescanLater?.Dispose();
        if (_events is not null)
        {
            // The kernel counts its listeners: without this, it would go on making events for every fork and exit.
            _ = _events.Send(Request(PROC_CN_MCAST_IGNORE));
            _events.Dispose();
        }

        _acknowledged.Dispose();
    }

    internal void Forget(ProcessHealthCheck check)
    {
        lock (_gate)
        {
            _checks.RemoveAll(w => ReferenceEquals(w.Check, check));
        }
    }

    // A process in a pid namespace other than the first gets no process events (and /proc's pids would not be the
    // kernel's): NSpid lists more than one pid there.
    private static bool InNestedPidNamespace()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("NSpid:", StringComparison.Ordinal))
                {
                    return line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length > 2;
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }

    // struct nlmsghdr, struct cn_msg { cb_id { idx, val }, seq, ack, len, flags }, then the operation. The kernel
    // answers LISTEN with PROC_EVENT_NONE carrying our ack + 1.
    private byte[] Request(uint operation)
    {
        byte[] message = new byte[16 + 20 + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), NLMSG_DONE);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), (uint)Environment.ProcessId);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(16), CN_IDX_PROC);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), CN_VAL_PROC);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(24), _sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(28), _sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(32), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(36), operation);
        return message;
    }

    // A connector message: struct cn_msg (20 bytes), then struct proc_event { what, cpu, timestamp_ns, event_data }.
    internal void OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 20 + 16 + 8 || BinaryPrimitives.ReadUInt32LittleEndian(payload) != CN_IDX_PROC)
        {
            return;
        }

        ReadOnlySpan<byte> evt = payload[20..];
        uint what = BinaryPrimitives.ReadUInt32LittleEndian(evt);
        ReadOnlySpan<byte> data = evt[16..];
        switch (what)
        {
            case PROC_EVENT_NONE when data.Length >= 4:
                // The answer to our LISTEN: cn_msg's ack is ours + 1 (its seq is the kernel's own); err 0.
                if (BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]) == _sequence + 1
                    && BinaryPrimitives.ReadUInt32LittleEndian(data) == 0)
                {
                    _acknowledged.Set();
                }

                break;
            case PROC_EVENT_FORK when data.Length >= 16:
                // parent pid, parent tgid, child pid, child tgid: a new process (not a thread) has its parent's name
                // and command line until it execs, so it counts where its parent counts, without a read.
                int childPid = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
                if (childPid == BinaryPrimitives.ReadInt32LittleEndian(data[12..]))
                {
                    Inherit(BinaryPrimitives.ReadInt32LittleEndian(data[4..]), childPid);
                }

                break;
            case PROC_EVENT_EXEC or PROC_EVENT_COMM when data.Length >= 8:
                // process pid, process tgid: only a thread group's leader is a process of /proc's.
                int pid = BinaryPrimitives.ReadInt32LittleEndian(data);
                if (pid == BinaryPrimitives.ReadInt32LittleEndian(data[4..]))
                {
                    Update(pid);
                }

                break;
            case PROC_EVENT_EXIT when data.Length >= 8:
                int gone = BinaryPrimitives.ReadInt32LittleEndian(data);
                if (gone == BinaryPrimitives.ReadInt32LittleEndian(data[4..]))
                {
                    Remove(gone);
                }

                break;
        }
    }

    private void Update(int pid)
    {
        lock (_gate)
        {
            if (_checks.Count == 0)
            {
                return;
            }

            bool fullCommand = _checks.Exists(static w => w.Check.Match.FullCommand);
            (string Comm, List<string> CommandLine)? process = Read(pid, fullCommand);
            foreach (Watched watched in _checks)
            {
                bool matches = process is { } p && watched.Check.Match.Matches(p.Comm, p.CommandLine);
                if (matches ? watched.Pids.Add(pid) : watched.Pids.Remove(pid))
                {
                    watched.Check.Set(watched.Pids.Count);
                }
            }
        }
    }

    private void Inherit(int parent, int child)
    {
        lock (_gate)
        {
            foreach (Watched watched in _checks)
            {
                if (watched.Pids.Contains(parent) && watched.Pids.Add(child))
                {
                    watched.Check.Set(watched.Pids.Count);
                }
            }
        }
    }

    // The kernel dropped events: take the counts afresh, once, a second later (a burst of forks is not over at once).
    private void RescanSoon() => _rescanLater?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

    private void Remove(int pid)
    {
        lock (_gate)
        {
            foreach (Watched watched in _checks)
            {
                if (watched.Pids.Remove(pid))
                {
                    watched.Check.Set(watched.Pids.Count);
                }
            }
        }
    }

    // Events were lost (or there are none): count every check afresh.
    private void Rescan()
    {
        lock (_gate)
        {
            if (_disposed || _checks.Count == 0)
            {
                return;
            }

            bool fullCommand = _checks.Exists(static w => w.Check.Match.FullCommand);
            var seen = new Dictionary<Watched, HashSet<int>>();
            foreach (Watched watched in _checks)
            {
                seen[watched] = [];
            }

            foreach (int pid in Pids())
            {
                if (Read(pid, fullCommand) is not { } process)
                {
                    continue;
                }

                foreach (Watched watched in _checks)
                {
                    if (watched.Check.Match.Matches(process.Comm, process.CommandLine))
                    {
                        seen[watched].Add(pid);
                    }
                }
            }

            foreach ((Watched watched, HashSet<int> pids) in seen)
            {
                if (!pids.SetEquals(watched.Pids))
                {
                    watched.Pids.Clear();
                    watched.Pids.UnionWith(pids);
                    watched.Check.Set(pids.Count);
                }
            }
        }
    }

    private static IEnumerable<int> Pids()
    {
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                yield return pid;
            }
        }
    }

    // The process's name from /proc/PID/stat (between the first '(' and the last ')', since a name may hold either),
    // null for a zombie or a process gone; and its command line's words when asked. Under the lock: the buffers are
    // the monitor's, so a walk of /proc makes no garbage but the strings it keeps.
    private (string Comm, List<string> CommandLine)? Read(int pid, bool commandLine)
    {
        try
        {
            int length = ReadAll(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"), _stat);
            ReadOnlySpan<byte> stat = _stat.AsSpan(0, length);
            int open = stat.IndexOf((byte)'(');
            int close = stat.LastIndexOf((byte)')');
            if (open < 0 || close < open || close + 2 >= stat.Length || stat[close + 2] == (byte)'Z')
            {
                return null;
            }

            string comm = Encoding.UTF8.GetString(stat[(open + 1)..close]);
            var words = new List<string>();
            if (commandLine)
            {
                length = ReadAll(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/cmdline"), _commandLine);

                // Words end with a NUL each: the last split, after the final NUL, is not a word.
                int end = length > 0 && _commandLine[length - 1] == 0 ? length - 1 : length;
                if (length > 0)
                {
                    foreach (Range word in _commandLine.AsSpan(0, end).Split((byte)0))
                    {
                        words.Add(Encoding.UTF8.GetString(_commandLine.AsSpan()[word]));
                    }
                }
            }

            return (comm, words);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone meanwhile, or not ours to read
        }
    }

    // At most the buffer's length: /proc's files say their size only by being read.
    private static int ReadAll(string path, byte[] buffer)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path);
        int length = 0;
        int read;
        while (length < buffer.Length && (read = RandomAccess.Read(file, buffer.AsSpan(length), length)) > 0)
        {
            length += read;
        }

        return length;
    }

    private sealed class Watched(ProcessHealthCheck check)
    {
        public ProcessHealthCheck Check { get; } = check;

        public HashSet<int> Pids { get; } = [];
    }
}
