using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vrrp.Diagnostics;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Control;

/// <summary>
/// Serves a control socket (a Unix domain socket, readable and writable by its owner only): one command per line,
/// one JSON document per line in answer. <c>vrrpctl</c> is its client.
/// </summary>
/// <remarks>
/// Commands: <c>status</c> and <c>status NAME</c> (see <see cref="VirtualRouterStatus"/>); <c>demote NAME</c> sets
/// the router's priority to 1 and, if it is master, hands mastership over at once with a priority-0 advertisement
/// (for maintenance: it stays in the cluster as the last resort); <c>promote NAME</c> restores the priority it had;
/// <c>process</c> reports the process's garbage collections per generation, bytes allocated so far and working set, so
/// a steady state's cost can be read from two answers without attaching a tool.
/// A failing answer is <c>{"ok":false,"error":"…"}</c>. A client can never disturb the routers beyond what its
/// commands ask: bad input gets an error answer, a broken connection is dropped.
/// </remarks>
public sealed class VrrpControlServer : IAsyncDisposable
{
    /// <summary>The longest command line accepted, in bytes.</summary>
    public const int MaxCommandLength = 1024;

    /// <summary>The most connections served at once; one more is closed at once and counted.</summary>
    public const int MaxConnections = 16;


    private const int SOL_SOCKET = 1;
    private const int SO_PEERCRED = 17;
    private const int SO_PEERGROUPS = 59;
    private static readonly TimeSpan s_longestAcceptBackoff = TimeSpan.FromSeconds(1);

    private readonly Func<IReadOnlyCollection<VirtualRouter>> _routers;
    private readonly Dictionary<string, int> _demoted = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private Socket? _listener;
    private Task? _accepting;
    private long _acceptErrors;
    private long _refusedConnections;

    /// <summary>Initializes a server; <see cref="Start"/> opens the socket.</summary>
    /// <param name="socketPath">The socket's path, e.g. <c>/run/vrrpd.sock</c>.</param>
    /// <param name="routers">Returns the routers running now (called for every command).</param>
    public VrrpControlServer(string socketPath, Func<IReadOnlyCollection<VirtualRouter>> routers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(socketPath);
        ArgumentNullException.ThrowIfNull(routers);
        SocketPath = socketPath;
        _routers = routers;
    }

    /// <summary>Gets the socket's path.</summary>
    public string SocketPath { get; }

    /// <summary>Gets how long a connection may stay silent before it is closed; 30 s by default.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets the group whose members may use the socket besides root and this process's user, or null for none. With a
    /// group, the socket is made mode 0660 and given that group before it listens; a peer is let in when its group,
    /// or one of its supplementary groups (<c>SO_PEERGROUPS</c>), is this one.
    /// </summary>
    public int? AllowedGroupId { get; init; }

    /// <summary>Gets the connections being served now.</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count(static t => !t.IsCompleted);
            }
        }
    }

    /// <summary>Gets how many accepts failed (out of descriptors, say); each is retried after a backoff of up to 1 s.</summary>
    public long AcceptErrors => Interlocked.Read(ref _acceptErrors);

    /// <summary>Gets how many connections were closed unserved: past <see cref="MaxConnections"/>, or from a peer that is neither root nor this process's user.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>Opens the socket and starts answering. A socket left by a dead process is replaced; nothing else is.</summary>
    /// <exception cref="IOException">Another process serves the path already, or something other than a socket is there.</exception>
    public void Start()
    {
        // Only a socket is ours to replace: a file, a link or a directory at the path is someone else's.
        switch (FileDescriptors.KindOf(SocketPath))
        {
            case PathKind.Other:
                throw new IOException($"{SocketPath}: exists and is not a socket (a file, link or directory); not replacing it. Remove it or choose another --control path.");
            case PathKind.Socket when IsServed(SocketPath):
                throw new IOException($"{SocketPath}: another process serves this control socket.");
            case PathKind.Socket:
                File.Delete(SocketPath); // a dead process's
                break;
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            if (!OperatingSystem.IsWindows())
            {
                // Before listen: no connection can come while the socket is looser than meant.
                if (AllowedGroupId is int group)
                {
                    ChangeGroup(SocketPath, group);
                    File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
                }
                else
                {
                    File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }

            listener.Listen(MaxConnections);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        // Loaded now: out of descriptors later, loading System.IO.Pipelines (a file) to serve a connection would fail.
        GC.KeepAlive(typeof(PipeReader));
        _listener = listener;
        _accepting = AcceptAsync(listener, _stopping.Token);
    }

    /// <summary>Stops answering, closes every connection and removes the socket file.</summary>
    /// <returns>A task that completes when every connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
        if (_listener is not null && FileDescriptors.KindOf(SocketPath) == PathKind.Socket)
        {
            File.Delete(SocketPath);
        }

        _stopping.Dispose();
    }

    /// <summary>Answers one command line (without its newline) as the socket would.</summary>
    /// <param name="command">The command line.</param>
    /// <param name="output">Receives one JSON document.</param>
    public void Execute(string command, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(output);
        using var json = new Utf8JsonWriter(output);
        string[] words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (words)
        {
            case ["status"]:
                VirtualRouterStatus.Write(json, _routers());
                break;
            case ["status", string name]:
                WithRouter(json, name, router => VirtualRouterStatus.Write(json, [router]));
                break;
            case ["demote", string name]:
                WithRouter(json, name, router => Answer(json, Demote(router)));
                break;
            case ["promote", string name]:
                WithRouter(json, name, router => Answer(json, Promote(router)));
                break;
            case ["process"]:
                WriteProcess(json);
                break;
            default:
                Answer(json, $"unknown command '{command}': use status [NAME], demote NAME, promote NAME or process");
                break;
        }
    }

    private static void WriteProcess(Utf8JsonWriter json)
    {
        // Read before anything else of this answer allocates, so two answers bracket only what ran between them.
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        json.WriteStartObject();
        json.WriteBoolean("ok", true);
        json.WriteStartObject("process");
        json.WriteNumber("gen0Collections", gen0);
        json.WriteNumber("gen1Collections", gen1);
        json.WriteNumber("gen2Collections", gen2);
        json.WriteNumber("totalAllocatedBytes", allocated);
        json.WriteNumber("workingSetBytes", Environment.WorkingSet);
        json.WriteNumber("heapSizeBytes", GC.GetGCMemoryInfo().HeapSizeBytes);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Answer(Utf8JsonWriter json, string? error)
    {
        json.WriteStartObject();
        json.WriteBoolean("ok", error is null);
        if (error is not null)
        {
            json.WriteString("error", error);
        }

        json.WriteEndObject();
    }

    private void WithRouter(Utf8JsonWriter json, string name, Action<VirtualRouter> action)
    {
        foreach (VirtualRouter router in _routers())
        {
            if (router.Name == name)
            {
                action(router);
                return;
            }
        }

        Answer(json, $"no router named '{name}'");
    }

    private string? Demote(VirtualRouter router)
    {
        if (router.BasePriority == 255)
        {
            return $"{router.Name} owns its addresses (priority 255) and cannot be demoted";
        }

        lock (_demoted)
        {
            _demoted.TryAdd(router.Name, router.BasePriority);
        }

        router.SetPriority(1);
        if (router.IsMaster)
        {
            // Stop sends priority 0, so a backup takes over after its Skew_Time; the router comes back as backup.
            router.Stop();
            router.Start();
        }

        return null;
    }

    private string? Promote(VirtualRouter router)
    {
        int priority;
        lock (_demoted)
        {
            if (!_demoted.Remove(router.Name, out priority))
            {
                return $"{router.Name} is not demoted";
            }
        }

        router.SetPriority(priority);
        return null;
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
#pragma warning disable CA1031 // the accept loop must never end but with the server: whatever failed, count it and try again
            catch (Exception)
#pragma warning restore CA1031
            {
                // EMFILE, ENFILE, ENOBUFS…: the control socket must outlive a moment without descriptors; try again.
                Interlocked.Increment(ref _acceptErrors);
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_longestAcceptBackoff.Ticks));
                try
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            lock (_connections)
            {
                _connections.RemoveAll(static t => t.IsCompleted);
                if (_connections.Count >= MaxConnections || !IsPermitted(client))
                {
                    Interlocked.Increment(ref _refusedConnections);
                    client.Dispose();
                    continue;
                }

                try
                {
                    _connections.Add(ServeAsync(client, cancellationToken));
                }
#pragma warning disable CA1031 // see above: a connection that cannot be served is dropped, never the accept loop
                catch (Exception)
#pragma warning restore CA1031
                {
                    // Out of descriptors, even loading the code that serves a connection fails (an assembly is a file).
                    Interlocked.Increment(ref _acceptErrors);
                    client.Dispose();
                }
            }
        }
    }

    private static unsafe void ChangeGroup(string path, int group)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            if (Tmds.Linux.LibC.chown(p, uint.MaxValue /* keep the owner */, (uint)group) != 0)
            {
                throw Errno.Failure($"chown of {path} to group {group}", Errno.Last, "CAP_CHOWN");
            }
        }
    }

    // SO_PEERCRED: root, or the user this process runs as (the socket's owner), or with AllowedGroupId a member of
    // that group. The socket's mode already keeps others out; this holds even if someone loosened it.
    private bool IsPermitted(Socket client)
    {
        Span<byte> credentials = stackalloc byte[12]; // struct ucred: pid, uid, gid
        try
        {
            if (client.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, credentials) < 12)
            {
                return false;
            }
        }
        catch (SocketException)
        {
            return false;
        }

        uint uid = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(credentials[4..]);
        if (uid == 0 || uid == Tmds.Linux.LibC.geteuid())
        {
            return true;
        }

        if (AllowedGroupId is not int allowed)
        {
            return false;
        }

        if (System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(credentials[8..]) == (uint)allowed)
        {
            return true;
        }

        // SO_PEERGROUPS (Linux 4.13): the peer's supplementary groups, as gid_t values.
        Span<byte> groups = stackalloc byte[4096];
        int length;
        try
        {
            length = client.GetRawSocketOption(SOL_SOCKET, SO_PEERGROUPS, groups);
        }
        catch (SocketException)
        {
            return false;
        }

        for (int i = 0; i + 4 <= length; i += 4)
        {
            if (System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(groups[i..]) == (uint)allowed)
            {
                return true;
            }
        }

        return false;
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        var stream = new NetworkStream(client, ownsSocket: true);
        await using (stream.ConfigureAwait(false))
        {
            // Answers are built whole (so a failing command answers with its error, not half a document) and written
            // straight from this one buffer: copied into a PipeWriter, a status of hundreds of routers would take
            // dozens of 4 KiB segments from the shared pool, which keeps them for good.
            PipeReader reader = PipeReader.Create(stream);
            var answer = new ArrayBufferWriter<byte>();
            try
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                while (true)
                {
                    // A connection that sends nothing for IdleTimeout is closed: it holds one of MaxConnections.
                    idle.CancelAfter(IdleTimeout);
                    ReadResult result = await reader.ReadAsync(idle.Token).ConfigureAwait(false);
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    bool tooLong = false;
                    while (!tooLong && TryReadLine(ref buffer, out ReadOnlySequence<byte> line))
                    {
                        // A line that came whole with its newline is held to the cap too, not only one still arriving.
                        tooLong = line.Length > MaxCommandLength;
                        if (!tooLong)
                        {
                            ExecuteSafely(Encoding.UTF8.GetString(line).TrimEnd('\r'), answer);
                            await WriteAsync(stream, answer, idle).ConfigureAwait(false);
                        }
                    }

                    if (tooLong || buffer.Length > MaxCommandLength)
                    {
                        answer.ResetWrittenCount();
                        Execute($"line longer than {MaxCommandLength} bytes", answer);
                        answer.Write("\n"u8);
                        await WriteAsync(stream, answer, idle).ConfigureAwait(false);
                        break;
                    }

                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away, or we are stopping: nothing to answer.
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }
    }

    // A client that reads nothing would hold its slot for ever once the socket's buffer is full: writing gets the same
    // IdleTimeout as reading.
    private async Task WriteAsync(NetworkStream stream, ArrayBufferWriter<byte> answer, CancellationTokenSource idle)
    {
        idle.CancelAfter(IdleTimeout);
        await stream.WriteAsync(answer.WrittenMemory, idle.Token).ConfigureAwait(false);
    }

    // A command that fails (say, promote to a priority the router now refuses) answers with the error; it must never
    // end the connection's task with an exception, nor the server's disposal.
    private void ExecuteSafely(string command, ArrayBufferWriter<byte> answer)
    {
        answer.ResetWrittenCount();
        try
        {
            Execute(command, answer);
        }
#pragma warning disable CA1031 // see above
        catch (Exception e)
#pragma warning restore CA1031
        {
            answer.ResetWrittenCount();
            using var json = new Utf8JsonWriter(answer);
            Answer(json, $"{command}: {e.Message}");
        }

        answer.Write("\n"u8);
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        SequencePosition? newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private static bool IsServed(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
