using System.Text;
using Microsoft.Extensions.Logging;
using Vrrp.Notifications;
using Vrrp.Protocol;

namespace Vrrp.Keepalived.Notify;

/// <summary>
/// Keeps a file with the current state of every router, one keepalived notify line each
/// (<c>INSTANCE "VI_1" MASTER 100</c>), sorted by name, for monitoring that polls rather than listens.
/// </summary>
/// <remarks>Written to a temporary file beside it and renamed over it, so a reader never sees a half-written file.</remarks>
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

            string temporary = Path + ".tmp";
            try
            {
                File.WriteAllText(temporary, text.ToString());
                File.Move(temporary, Path, overwrite: true);
            }
#pragma warning disable CA1031 // a full disk must not stop notifications
            catch (Exception ex)
#pragma warning restore CA1031
            {
                KeepalivedLog.StateFileWriteFailed(_logger, ex, Path);
            }
        }
    }
}
