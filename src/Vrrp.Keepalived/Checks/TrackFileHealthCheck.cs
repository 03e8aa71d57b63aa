using System.Globalization;
using System.Text;
using Vrrp.Health;

namespace Vrrp.Keepalived.Checks;

/// <summary>
/// Reads a number from a file, as keepalived's <c>track_file</c> does: the scheduler hands it to
/// <see cref="TrackedCheck.SetValue"/>, so the priority moves by value × weight (weight 0: any non-zero value is a
/// Fault; a product below −253 is a Fault).
/// </summary>
/// <remarks>
/// <para>
/// The file is read as keepalived reads it: at most the first 127 bytes, as C's <c>strtol(text, NULL, 0)</c> would, so
/// leading whitespace and a sign are allowed, <c>0x</c> starts hexadecimal and a leading <c>0</c> octal, and reading
/// stops at the first character that is not a digit. A missing or unreadable file, an empty one, or text with no
/// number reads as 0. A number outside the 32-bit range is ignored: the last value stands.
/// </para>
/// <para>
/// keepalived reads the file when inotify says it changed; here it is polled every
/// <see cref="ScheduledCheckOptions.Interval"/>. keepalived's <c>track_file</c> weight defaults to 1, a
/// <c>vrrp_script</c>'s to 0: set <see cref="ScheduledCheckOptions.Weight"/> to 1 when the configuration gives none.
/// </para>
/// </remarks>
public sealed class TrackFileHealthCheck : IVrrpHealthCheck
{
    private readonly object _gate = new();
    private long _last;
    private bool _initialized;

    /// <summary>Initializes a check of a file.</summary>
    /// <param name="path">The file (keepalived's <c>file</c>).</param>
    public TrackFileHealthCheck(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>Gets the file.</summary>
    public string Path { get; }

    /// <summary>
    /// Gets the value to write at the first run when the file does not exist (keepalived's <c>init_file [VALUE]</c>;
    /// VALUE defaults to 0 there), or <see langword="null"/> to write nothing.
    /// </summary>
    public long? InitFile { get; init; }

    /// <summary>Gets a value indicating whether <see cref="InitFile"/> overwrites an existing file too (<c>init_file VALUE overwrite</c>).</summary>
    public bool InitFileOverwrite { get; init; }

    /// <summary>Parses text as keepalived does: <c>strtol(text, NULL, 0)</c>.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="value">The number, 0 when the text has none.</param>
    /// <returns><see langword="false"/> when the number is outside the 32-bit range (keepalived then ignores it).</returns>
    public static bool TryParseValue(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        int i = 0;
        while (i < text.Length && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r')))
        {
            i++;
        }

        bool negative = false;
        if (i < text.Length && text[i] is '+' or '-')
        {
            negative = text[i] == '-';
            i++;
        }

        int radix = 10;
        if (i + 1 < text.Length && text[i] == '0' && text[i + 1] is 'x' or 'X' && i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 2]))
        {
            radix = 16;
            i += 2;
        }
        else if (i < text.Length && text[i] == '0')
        {
            radix = 8;
        }

        long magnitude = 0;
        for (; i < text.Length; i++)
        {
            int digit = text[i] switch
            {
                >= '0' and <= '9' => text[i] - '0',
                >= 'a' and <= 'f' => text[i] - 'a' + 10,
                >= 'A' and <= 'F' => text[i] - 'A' + 10,
                _ => int.MaxValue,
            };
            if (digit >= radix)
            {
                break;
            }

            magnitude = (magnitude * radix) + digit;
            if (magnitude > (long)int.MaxValue + 1)
            {
                return false; // keepalived: "Invalid number ... - ignoring"
            }
        }

        value = negative ? -magnitude : magnitude;
        return value is >= int.MinValue and <= (long)int.MaxValue + 1;
    }

    /// <inheritdoc/>
    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_initialized)
            {
                _initialized = true;
                InitializeFile();
            }

            string text = Read();
            if (TryParseValue(text, out long value))
            {
                _last = value;
                return ValueTask.FromResult(VrrpCheckResult.FromValue(value));
            }

            return ValueTask.FromResult(VrrpCheckResult.FromValue(_last, string.Create(CultureInfo.InvariantCulture, $"ignored an out-of-range number in {Path}; kept {_last}")));
        }
    }

    private void InitializeFile()
    {
        if (InitFile is not { } initial || (File.Exists(Path) && !InitFileOverwrite))
        {
            return;
        }

        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = RegularFile.OpenWrite(Path);
            RandomAccess.Write(handle, Encoding.ASCII.GetBytes(initial.ToString(CultureInfo.InvariantCulture) + "\n"), 0);
        }
        catch (IOException)
        {
            // A link, a FIFO or a device at the path: left as it is; the check reads what it can.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private string Read()
    {
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = RegularFile.OpenRead(Path);
            Span<byte> buffer = stackalloc byte[127];
            int length = RandomAccess.Read(handle, buffer, 0);
            return Encoding.Latin1.GetString(buffer[..length]);
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
