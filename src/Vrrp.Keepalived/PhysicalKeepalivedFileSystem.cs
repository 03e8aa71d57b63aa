using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace Vrrp.Keepalived;

/// <summary>
/// Reads configuration files from the disk: regular files only, of at most <see cref="MaxFileBytes"/> bytes. A FIFO,
/// a device (<c>/dev/zero</c>) or a directory is refused at once, never opened for a blocking read.
/// </summary>
public sealed unsafe class PhysicalKeepalivedFileSystem : IKeepalivedFileSystem
{
    /// <summary>The largest file read: real configurations are kilobytes; 4 MiB holds thousands of instances.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    // st_mode's type bits (sys/stat.h), in octal: S_IFMT 0170000, S_IFREG 0100000, S_IFDIR 0040000, S_IFIFO 0010000,
    // S_IFCHR 0020000, S_IFBLK 0060000, S_IFSOCK 0140000.
    private const uint TypeMask = 0xF000;
    private const uint Regular = 0x8000;

    /// <summary>Gets the shared instance.</summary>
    public static PhysicalKeepalivedFileSystem Instance { get; } = new();

    /// <inheritdoc/>
    /// <exception cref="IOException">The file is not a regular file, is larger than <see cref="MaxFileBytes"/>, or cannot be read.</exception>
    public string ReadAllText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxFileBytes)
            {
                throw new IOException(TooLarge(info.Length));
            }

            return File.ReadAllText(path);
        }

        // Opened without blocking (a FIFO would wait for a writer for ever), then asked what it is.
        int fd;
        fixed (byte* name = Encoding.UTF8.GetBytes(path + "\0"))
        {
            fd = LibC.open(name, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC | LibC.O_NOCTTY, 0);
        }

        if (fd < 0)
        {
            int errno = LibC.errno;
            throw errno == LibC.ENOENT ? new FileNotFoundException($"No such file: {path}", path) : new IOException(System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno));
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        stat status;
        if (LibC.fstat(fd, &status) != 0)
        {
            throw new IOException(System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(LibC.errno));
        }

        if (((uint)status.st_mode & TypeMask) != Regular)
        {
            throw new IOException($"it is not a regular file ({KindOf((uint)status.st_mode)}); only regular files are read");
        }

        if (status.st_size > MaxFileBytes)
        {
            throw new IOException(TooLarge(status.st_size));
        }

        // Room for one byte more than fstat said tells a file that grew since; it may grow to the cap, no further.
        byte[] buffer = new byte[(int)status.st_size + 1];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > MaxFileBytes)
                {
                    throw new IOException(TooLarge(length));
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxFileBytes + 1));
            }

            int read = RandomAccess.Read(handle, buffer.AsSpan(length), length);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return new UTF8Encoding(false).GetString(buffer, 0, length).TrimStart('\uFEFF');
    }

    /// <inheritdoc/>
    /// <remarks>The device and inode: one file reached by two paths (a link, <c>..</c>) is one file.</remarks>
    public string GetFileIdentity(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsLinux())
        {
            return Path.GetFullPath(path);
        }

        stat status;
        fixed (byte* name = Encoding.UTF8.GetBytes(path + "\0"))
        {
            if (LibC.stat(name, &status) != 0)
            {
                return path; // reading it will say why
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{status.st_dev}:{status.st_ino}");
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ExpandPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        string? directory = Path.GetDirectoryName(pattern);
        string name = Path.GetFileName(pattern);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return [];
        }

        if (!GlobPattern.HasWildcards(name))
        {
            return File.Exists(pattern) ? [pattern] : [];
        }

        var matches = new List<string>();
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            if (GlobPattern.IsMatch(name, Path.GetFileName(file)))
            {
                matches.Add(file);
            }
        }

        matches.Sort(StringComparer.Ordinal);
        return matches;
    }

    private static string TooLarge(long size) =>
        string.Create(CultureInfo.InvariantCulture, $"it is {size} bytes, larger than the {MaxFileBytes} a configuration file may be");

    private static string KindOf(uint mode) => (mode & TypeMask) switch
    {
        0x4000 => "a directory",
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "not a file",
    };
}
