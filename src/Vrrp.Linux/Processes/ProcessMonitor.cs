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
/// The kernel sends process events only to sockets of the first network namespace. In another (a vrrpd in a namespace
/// of its own, or without CAP_NET_ADMIN) the monitor walks <c>/proc</c> every <see cref="PollInterval"/> instead, and
/// <see cref="UsesProcessEvents"/> says so. Reads of <c>/proc</c> are bounded (a command line is read up to 4 KiB).
/// </remarks>
public sealed class ProcessMonitor : IDisposable
{
    private const int NETLINK_CONNECTOR = 11;
    private const uint CN_IDX_PROC = 1;
    private const uint CN_VAL_PROC = 1;
    private const ushort NLMSG_DONE = 3;
    private const uint PROC_CN_MCAST_LISTEN = 1;
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
    private bool _disposed;

    /// <summary>Starts listening to process events, or polling where they are not to be had.</summary>
    /// <param name="time">The clock of the checks' delays (and the polling), <see cref="TimeProvider.System"/> by default.</param>
    public ProcessMonitor(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        try
        {
            _events = new NetlinkSubscription(NETLINK_CONNECTOR, CN_IDX_PROC, "vrrp-process-events", OnMessage, Rescan, start: false);
            if (_events.Send(ListenRequest()) == 0)
            {
                _events.Start();
                UsesProcessEvents = true;
                return;
            }

            _events.Dispose();
            _events = null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            _events = null; // no CAP_NET_ADMIN (bind to the connector's group needs it): poll
        }

        _poll = _time.CreateTimer(static state => ((ProcessMonitor)state!).Rescan(), this, PollInterval, PollInterval);
    }

    /// <summary>Gets how often <c>/proc</c> is walked when process events cannot be had: half a second.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets a value indicating whether counts follow the kernel's process events (else <c>/proc</c> is polled).</summary>
    public bool UsesProcessEvents { get; }

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
        _events?.Dispose();
    }

    internal void Forget(ProcessHealthCheck check)
    {
        lock (_gate)
        {
            _checks.RemoveAll(w => ReferenceEquals(w.Check, check));
        }
    }

    // struct nlmsghdr, struct cn_msg { cb_id { idx, val }, seq, ack, len, flags }, then the operation.
    private static byte[] ListenRequest()
    {
        byte[] message = new byte[16 + 20 + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), NLMSG_DONE);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), (uint)Environment.ProcessId);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(16), CN_IDX_PROC);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), CN_VAL_PROC);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(32), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(36), PROC_CN_MCAST_LISTEN);
        return message;
    }

    // A connector message: struct cn_msg (20 bytes), then struct proc_event { what, cpu, timestamp_ns, event_data }.
    private void OnMessage(ushort type, ReadOnlySpan<byte> payload)
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
            case PROC_EVENT_FORK when data.Length >= 16:
                // parent pid, parent tgid, child pid, child tgid: a new process (not a thread) is a copy of its parent.
                int childPid = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
                if (childPid == BinaryPrimitives.ReadInt32LittleEndian(data[12..]))
                {
                    Update(childPid);
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
    // null for a zombie or a process gone; and its command line's words when asked.
    private static (string Comm, List<string> CommandLine)? Read(int pid, bool commandLine)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int open = stat.IndexOf('(', StringComparison.Ordinal);
            int close = stat.LastIndexOf(')');
            if (open < 0 || close < open || close + 2 >= stat.Length || stat[close + 2] == 'Z')
            {
                return null;
            }

            string comm = stat[(open + 1)..close];
            var words = new List<string>();
            if (commandLine)
            {
                using var file = new FileStream($"/proc/{pid}/cmdline", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
                byte[] buffer = new byte[CommandLineLimit];
                int length = 0;
                int read;
                while (length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0)
                {
                    length += read;
                }

                // Words end with a NUL each: the last split, after the final NUL, is not a word.
                int end = length > 0 && buffer[length - 1] == 0 ? length - 1 : length;
                if (end > 0 || length > 0)
                {
                    foreach (Range word in buffer.AsSpan(0, end).Split((byte)0))
                    {
                        words.Add(Encoding.UTF8.GetString(buffer.AsSpan()[word]));
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

    private sealed class Watched(ProcessHealthCheck check)
    {
        public ProcessHealthCheck Check { get; } = check;

        public HashSet<int> Pids { get; } = [];
    }
}
