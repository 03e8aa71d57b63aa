using System.Globalization;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Links;

/// <summary>
/// Turns off IGMP reports for the link-local groups 224.0.0.0/24 in the network namespace
/// (<c>net.ipv4.igmp_link_local_mcast_reports=0</c>, keepalived's <c>disable_local_igmp</c>): switches forward those
/// groups everywhere anyway (RFC 4541), and a backup's report for 224.0.0.18 from a shared virtual MAC would move that
/// MAC to the backup's port. The value before is put back at <see cref="Dispose"/>, and is also kept in
/// <see cref="StateDirectory"/> so that after a crash the next run puts back the administrator's value, not ours.
/// </summary>
public sealed class LinkLocalIgmpReports : IDisposable
{
    private const string Setting = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";
    private string? _original;
    private FileStream? _recordLock; // held while this run has them off: another run then leaves the record alone

    /// <summary>Gets or sets where the value before ours is kept across a crash (made mode 0700).</summary>
    public string StateDirectory { get; init; } = "/run/vrrp";

    /// <summary>Gets a value indicating whether this instance turned the reports off and has not put them back.</summary>
    public bool IsDisabled => _original is not null;

    /// <summary>Turns the reports off; nothing when they are off already.</summary>
    /// <returns>Whether they were on and are now off.</returns>
    /// <exception cref="UnauthorizedAccessException">The process may not write the setting.</exception>
    /// <exception cref="IOException">The kernel has no such setting (before Linux 4.3).</exception>
    public bool Disable()
    {
        if (_original is not null)
        {
            return false;
        }

        string original = ReadRecord() ?? File.ReadAllText(Setting).Trim();
        if (original == "0")
        {
            return false;
        }

        WriteRecord(original);
        File.WriteAllText(Setting, "0");
        _original = original;
        return true;
    }

    /// <summary>
    /// Puts back the value a crashed run of this network namespace recorded, when no live run holds the record.
    /// Done at start by a run that does not turn the reports off.
    /// </summary>
    /// <param name="stateDirectory">Where the record is.</param>
    /// <returns>Whether a value was put back.</returns>
    /// <exception cref="UnauthorizedAccessException">The process may not write the setting.</exception>
    public static bool RestoreLeftBehind(string stateDirectory = "/run/vrrp")
    {
        var reports = new LinkLocalIgmpReports { StateDirectory = stateDirectory };
        if (reports.RecordPath() is not { } path || !File.Exists(path))
        {
            return false;
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
        }
        catch (IOException)
        {
            return false; // a live run holds it
        }

        string? original = reports.ReadRecord();
        if (original is not null)
        {
            File.WriteAllText(Setting, original);
        }

        File.Delete(path);
        return original is not null;
    }

    /// <summary>Puts back the value before ours.</summary>
    public void Dispose()
    {
        if (_original is not { } original)
        {
            return;
        }

        try
        {
            File.WriteAllText(Setting, original);
            if (RecordPath() is { } path)
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the record stays: the next run puts the value back
        }

        _recordLock?.Dispose();
        _recordLock = null;
        _original = null;
    }

    private string? RecordPath() =>
        NetworkNamespaces.CurrentInode() is ulong inode ? Path.Combine(StateDirectory, string.Create(CultureInfo.InvariantCulture, $"igmp-link-local-reports.net{inode}")) : null;

    private string? ReadRecord()
    {
        if (RecordPath() is not { } path || !File.Exists(path))
        {
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        string text = reader.ReadToEnd().Trim();
        return text is "0" or "1" ? text : null; // anything else is not ours to write back
    }

    private void WriteRecord(string original)
    {
        if (RecordPath() is not { } path)
        {
            return;
        }

        Directory.CreateDirectory(StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(path, original);
        _recordLock = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
    }
}
