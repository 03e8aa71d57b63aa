using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging;
using Vrrp.Diagnostics;

namespace Vrrp.Notifications;

/// <summary>
/// Writes keepalived's notify lines to a FIFO through a <see cref="Pipe"/>: callers append to memory and return at
/// once; a dedicated thread moves the bytes to the FIFO.
/// </summary>
/// <remarks>
/// The FIFO is opened for reading and writing, as keepalived does, so opening never waits for a reader and a reader
/// that closes never makes a write fail: the kernel keeps what is written (64 KiB on Linux) until a reader comes
/// back. Past that the writer thread waits in the kernel, and past <see cref="Capacity"/> more bytes in the pipe,
/// new lines are dropped and counted rather than held without bound.
/// </remarks>
internal sealed class NotifyFifoWriter : IDisposable
{
    public const int Capacity = 64 * 1024;

    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly FileStream _stream;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private long _pending;
    private long _dropped;
    private long _written;
    private bool _completed;

    public NotifyFifoWriter(string path, ILogger logger)
    {
        Path = path;
        _logger = logger;
        _stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite, BufferSize = 0 });
        if (_stream.CanSeek)
        {
            // A regular file would be overwritten from its start: refuse it rather than guess.
            _stream.Dispose();
            throw new VrrpConfigurationException([$"notify_fifo '{path}' is a regular file, not a FIFO; create a FIFO with mkfifo."]);
        }

        _thread = new Thread(Pump) { IsBackground = true, Name = "vrrp-notify-fifo" };
        _thread.Start();
    }

    public string Path { get; }

    public long Dropped => Interlocked.Read(ref _dropped);

    public long LinesWritten => Interlocked.Read(ref _written);

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
                    VrrpLog.FifoLinesDropped(_logger, Path, dropped); // the 1st, 2nd, 4th, 8th…: a stalled reader must not flood the log
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

        // The thread may be waiting in the kernel for a reader that never comes: it is a background thread, and
        // the stream's handle is closed once the write returns.
        _stream.Dispose();
    }

    private void Pump()
    {
        PipeReader reader = _pipe.Reader;
        try
        {
            while (true)
            {
                ReadResult result = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    _stream.Write(segment.Span);
                }

                Interlocked.Add(ref _pending, -result.Buffer.Length);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
#pragma warning disable CA1031 // the writer thread logs and ends; routers go on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            VrrpLog.FifoWriteFailed(_logger, ex, Path);
            lock (_gate)
            {
                _completed = true;
            }
        }
        finally
        {
            reader.Complete();
        }
    }
}
