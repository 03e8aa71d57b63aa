using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Keepalived.Notify;

/// <summary>
/// Keeps a file with the current state of every router, one keepalived notify line each
/// (<c>INSTANCE "VI_1" MASTER 100</c>), sorted by name, for monitoring that polls rather than listens.
/// </summary>
/// <remarks>Written to a new file of a random name beside it, synced and renamed over it: a reader never sees a half-written file.</remarks>
[SupportedOSPlatform("linux")]
internal sealed class StateFileWriter
{
    private readonly SortedDictionary<string, string> _lines = new(StringComparer.Ordinal);
    private readonly object _writing = new();
    private readonly ILogger _logger;

    public StateFileWriter(string path, ILogger logger)
    {
        Path = path;
        _logger = logger;
    }

    public string Path { get; }

    public void Record(string type, string name, VrrpState state, int priority)
    {
        string line = KeepalivedFormat.FifoLine(type, name, state, priority);
        lock (_lines)
        {
            _lines[$"{type} {name}"] = line;
        }
    }

    /// <summary>Records a router's or group's state unless a change recorded it already: what a change says is newer.</summary>
    /// <returns><see langword="true"/> when it was recorded.</returns>
    public bool RecordIfAbsent(string type, string name, VrrpState state, int priority)
    {
        string line = KeepalivedFormat.FifoLine(type, name, state, priority);
        lock (_lines)
        {
            return _lines.TryAdd($"{type} {name}", line);
        }
    }

    public void Write()
    {
        lock (_writing)
        {
            var text = new StringBuilder();
            lock (_lines)
            {
                foreach (string line in _lines.Values)
                {
                    text.Append(line);
                }
            }

            // A random name opened O_CREAT | O_EXCL (FileMode.CreateNew), which never follows a symbolic link: a name
            // planted beside the file cannot make us write elsewhere. Synced before the rename, so a crash leaves the
            // old file or the new one, never an empty one.
            string temporary = $"{Path}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}.tmp";
            bool created = false;
            try
            {
                using (var stream = new FileStream(temporary, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                }))
                {
                    created = true;
                    stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, Path, overwrite: true);
                created = false;
            }
#pragma warning disable CA1031 // a full disk must not stop notifications
            catch (Exception ex)
#pragma warning restore CA1031
            {
                KeepalivedLog.StateFileWriteFailed(_logger, ex, Path);
                if (created)
                {
                    TryDelete(temporary);
                }
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind: the next write uses another name.
        }
    }
}
