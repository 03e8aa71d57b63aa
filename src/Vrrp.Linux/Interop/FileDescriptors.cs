using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vrrp.Linux.Interop;

/// <summary>
/// <c>fcntl(F_SETFL, O_NONBLOCK)</c>, for keepalived's notify FIFO (Vrrp.Keepalived), which .NET cannot open
/// non-blocking.
/// </summary>
internal static class FileDescriptors
{
    private const int FGetFl = 3; // F_GETFL, Linux and the BSDs alike
    private const int FSetFl = 4; // F_SETFL

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
