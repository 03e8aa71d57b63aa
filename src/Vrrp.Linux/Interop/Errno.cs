using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Vrrp.Linux.Interop;

/// <summary>Turns a failed libc call into an exception that says what failed and, for permissions, which capability is missing.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int ESRCH = 3;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int EADDRNOTAVAIL = 99;

    public static int Last => Marshal.GetLastPInvokeError() is int e and not 0 ? e : LibC.errno;

    public static Exception Failure(string call, int errno, string? capability = null)
    {
        if (capability is not null && errno is EPERM or EACCES)
        {
            return new UnauthorizedAccessException($"{call} failed: the process lacks {capability} (run as root, or grant it with setcap or the container's capabilities).");
        }

        return new IOException($"{call} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}).");
    }
}
