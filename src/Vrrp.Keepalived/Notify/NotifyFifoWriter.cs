using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Vrrp.Linux.Interop;
using Vrrp.Notifications;

namespace Vrrp.Keepalived.Notify;

/// <summary>
/// Writes keepalived's notify lines to a FIFO through a <see cref="Pipe"/>: callers append to memory and return at
/// once; a dedicated thread moves the bytes to the FIFO.
/// </summary>
/// <remarks>
/// <para>
/// The FIFO is opened for reading and writing and non-blocking, as keepalived opens it (<c>O_RDWR | O_NONBLOCK</c>):
/// opening never waits for a reader, a reader that closes never makes a write fail, and the kernel keeps what is
/// written (64 KiB on Linux) until a reader comes. When the kernel's buffer is full the writer thread keeps the rest
/// in memory and tries again every <see cref="RetryInterval"/>; past <see cref="Capacity"/> bytes there, new lines are
/// dropped and counted rather than held without bound (keepalived drops at once).
/// </para>
/// <para>
/// The thread never waits in the kernel, so <see cref="Dispose"/> ends it at once: a reload that makes a new writer
/// for the same FIFO never leaves a thread behind, and the lines already in the kernel's buffer stay there for the
/// reader while any writer holds the FIFO open. Writes are cut at line ends into chunks of at most
/// <see cref="AtomicWrite"/> bytes, which a pipe takes whole or not at all, so a reader never sees half a line.
/// </para>
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class NotifyFifoWriter : IDisposable
{
    public const int Capacity = 64 * 1024;

    /// <summary>PIPE_BUF on Linux: a write of at most this many bytes to a pipe is atomic.</summary>
    public const int AtomicWrite = 4096;

    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(50);

    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly FileStream _stream;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _closing = new();
    private readonly byte[] _chunk = new byte[AtomicWrite];
    private long _pending;
    private long _dropped;
    private long _written;
    private bool _completed;

    public NotifyFifoWriter(string path, ILogger logger)
    {
        Path = path;
        _logger = logger;
        if (!FileDescriptors.TryOpenFifo(path, out SafeFileHandle? handle, out string? error))
        {
            throw new VrrpConfigurationException([$"notify_fifo '{path}' {error}."]);
        }

        try
        {
            _stream = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        _thread = new Thread(Pump) { IsBackground = true, Name = "vrrp-notify-fifo" };
        _thread.Start();
    }

    public string Path { get; }

    public long Dropped => Interlocked.Read(ref _dropped);

    public long LinesWritten => Interlocked.Read(ref _written);

    /// <summary>Gets a value indicating whether the writer thread still runs: for tests.</summary>
    internal bool IsPumping => _thread.IsAlive;

    public void Write(string line)
    {
        int length = Encoding.UTF8.GetByteCount(line);
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (Interlocked.Read(ref _pending) + length > Capacity)
            {
                long dropped = Interlocked.Increment(ref _dropped);
                if ((dropped & (dropped - 1)) == 0)
                {
                    KeepalivedLog.FifoLinesDropped(_logger, Path, dropped); // the 1st, 2nd, 4th, 8th…: a stalled reader must not flood the log
                }

                return;
            }

            Interlocked.Add(ref _pending, length);
            PipeWriter writer = _pipe.Writer;
            int written = Encoding.UTF8.GetBytes(line, writer.GetSpan(length));
            writer.Advance(written);

            // With no pause threshold, a flush completes at once: nothing here waits for the reader.
            ValueTask<FlushResult> flush = writer.FlushAsync();
            if (flush.IsCompleted)
            {
                _ = flush.Result;
            }
            else
            {
                _ = flush.AsTask();
            }

            Interlocked.Increment(ref _written);
        }
    }

    /// <summary>
    /// Stops the writer thread and closes the FIFO. Lines the kernel took stay in the FIFO while another writer
    /// holds it open; lines still in memory are written if the FIFO has room, else dropped.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _pipe.Writer.Complete();
        }

        _closing.Set();

        // Never in the kernel for long: a write either fits or fails at once, and a retry wait ends on _closing.
        if (!_thread.Join(TimeSpan.FromSeconds(5)))
        {
            KeepalivedLog.FifoWriteFailed(_logger, new TimeoutException("the notify FIFO writer did not stop within 5 s"), Path);
        }
    }

    private void Pump()
    {
        PipeReader reader = _pipe.Reader;
        try
        {
            while (true)
            {
                ReadResult result = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool closing = false;
                while (!buffer.IsEmpty)
                {
                    int length = CopyChunk(buffer);
                    if (!TryWrite(length))
                    {
                        // The FIFO is full: no reader drains it. Wait for one, unless the writer is being let go.
                        if (_closing.Wait(RetryInterval))
                        {
                            closing = true;
                            break;
                        }

                        continue;
                    }

                    buffer = buffer.Slice(length);
                    Interlocked.Add(ref _pending, -length);
                }

                if (closing)
                {
                    break; // what is left in memory is dropped with the writer
                }

                reader.AdvanceTo(buffer.Start);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // the writer thread logs and ends; routers go on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            KeepalivedLog.FifoWriteFailed(_logger, ex, Path);
            lock (_gate)
            {
                _completed = true;
            }
        }
        finally
        {
            reader.Complete();
            _stream.Dispose(); // the thread owns the descriptor: closed when nothing writes to it any more
        }
    }

    // The next chunk: whole lines up to AtomicWrite bytes (a longer line alone is cut; no line is that long).
    private int CopyChunk(ReadOnlySequence<byte> buffer)
    {
        int length = (int)Math.Min(buffer.Length, AtomicWrite);
        Span<byte> chunk = _chunk.AsSpan(0, length);
        buffer.Slice(0, length).CopyTo(chunk);
        if (length < buffer.Length)
        {
            int end = chunk.LastIndexOf((byte)'\n');
            if (end >= 0)
            {
                length = end + 1;
            }
        }

        return length;
    }

    private bool TryWrite(int length)
    {
        try
        {
            _stream.Write(_chunk, 0, length);
            return true;
        }
        catch (IOException ex) when (FileDescriptors.IsWouldBlock(ex))
        {
            return false;
        }
    }
}
