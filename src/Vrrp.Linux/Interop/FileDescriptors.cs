using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace Vrrp.Linux.Interop;

/// <summary>
/// What .NET cannot open: keepalived's notify FIFO (Vrrp.Keepalived) read-write, non-blocking and without following a
/// symbolic link; and <c>fcntl(F_SETFL, O_NONBLOCK)</c>.
/// </summary>
internal static unsafe class FileDescriptors
{
    private const int ELOOP = 40;
    private const int S_IFMT = 0xF000; // 0170000
    private const int S_IFIFO = 0x1000; // 0010000
    private const int S_IFSOCK = 0xC000; // 0140000

    /// <summary>Makes a FIFO, mode 0644, as keepalived makes a missing notify FIFO; false when something is at the path already.</summary>
    public static bool TryMakeFifo(string path)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            return LibC.mkfifo(p, 420 /* 0644 */) == 0;
        }
    }

    /// <summary>
    /// Opens a FIFO as keepalived opens its notify FIFO, <c>O_RDWR | O_NONBLOCK</c>, and <c>O_NOFOLLOW | O_CLOEXEC</c>:
    /// never through a symbolic link, and only a FIFO.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <param name="handle">The open FIFO.</param>
    /// <param name="error">Why not: a symbolic link, not a FIFO, or the system's error.</param>
    /// <returns>Whether it opened.</returns>
    public static bool TryOpenFifo(string path, [NotNullWhen(true)] out SafeFileHandle? handle, [NotNullWhen(false)] out string? error)
    {
        handle = null;
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = name)
        {
            fd = LibC.open(p, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        }

        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            error = errno == ELOOP ? "is a symbolic link; name the FIFO itself" : $"cannot be opened (errno {errno})";
            return false;
        }

        var opened = new SafeFileHandle(fd, ownsHandle: true);
        stat status;
        if (LibC.fstat(fd, &status) != 0 || ((int)status.st_mode & S_IFMT) != S_IFIFO)
        {
            opened.Dispose();
            error = "is not a FIFO; create a FIFO with mkfifo";
            return false;
        }

        handle = opened;
        error = null;
        return true;
    }

    private const int FGetFl = 3; // F_GETFL, Linux and the BSDs alike
    private const int FSetFl = 4; // F_SETFL

    /// <summary>What is at a path, without following a symbolic link there (<c>lstat</c>).</summary>
    /// <param name="path">The path.</param>
    /// <returns>Nothing, a socket, or something else (a file, a link, a directory…).</returns>
    public static PathKind KindOf(string path)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        stat status;
        fixed (byte* p = name)
        {
            if (LibC.lstat(p, &status) != 0)
            {
                return PathKind.Nothing;
            }
        }

        return ((int)status.st_mode & S_IFMT) == S_IFSOCK ? PathKind.Socket : PathKind.Other;
    }

    /// <summary>Sets <c>O_NONBLOCK</c> on a descriptor: writes then fail with EAGAIN instead of waiting.</summary>
    /// <returns><see langword="false"/> on a platform without it (Windows) or when the call fails.</returns>
    public static bool TrySetNonBlocking(SafeFileHandle handle)
    {
        int nonBlocking = OperatingSystem.IsLinux() ? 0x800 : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 0x4 : 0;
        if (nonBlocking == 0)
        {
            return false;
        }

        int flags = Fcntl(handle, FGetFl, 0);
        return flags >= 0 && Fcntl(handle, FSetFl, flags | nonBlocking) >= 0;
    }

    /// <summary>Tells whether an <see cref="IOException"/> from a non-blocking write is EAGAIN (the pipe is full).</summary>
    public static bool IsWouldBlock(IOException exception) =>
        exception.HResult == (OperatingSystem.IsLinux() ? 11 : 35); // EAGAIN: 11 on Linux, 35 on the BSDs

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fcntl(SafeFileHandle fd, int command, int argument);
}

/// <summary>What <see cref="FileDescriptors.KindOf"/> found at a path.</summary>
internal enum PathKind
{
    Nothing,
    Socket,
    Other,
}
