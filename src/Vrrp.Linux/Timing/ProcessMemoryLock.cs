using System.Runtime.InteropServices;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Timing;

/// <summary>
/// Keeps the process out of swap (keepalived's <c>vrrp_no_swap</c>): a page fault in the timer thread waiting on a
/// swapped-out page would delay an advert by the disk's latency. <c>mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)</c>:
/// what is resident, and every page as it is first touched, stays resident. <c>MCL_ONFAULT</c> (Linux 4.4) keeps the
/// runtime's large address-space reservations from being made resident at once; keepalived, a small C process, locks
/// without it.
/// </summary>
public static partial class ProcessMemoryLock
{
    private const int MCL_CURRENT = 1;
    private const int MCL_FUTURE = 2;
    private const int MCL_ONFAULT = 4;

    /// <summary>Gets a value indicating whether <see cref="Lock"/> succeeded and <see cref="Unlock"/> has not been called since.</summary>
    public static bool IsLocked { get; private set; }

    /// <summary>Locks the process's memory, now and as it grows.</summary>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_IPC_LOCK and its RLIMIT_MEMLOCK is too small.</exception>
    /// <exception cref="IOException">The kernel refused for another reason.</exception>
    public static void Lock()
    {
        if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == Errno.ENOMEM
                ? new UnauthorizedAccessException("mlockall failed: RLIMIT_MEMLOCK is too small for the process (run as root, or grant CAP_IPC_LOCK, or raise LimitMEMLOCK).")
                : Errno.Failure("mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)", errno, "CAP_IPC_LOCK");
        }

        IsLocked = true;
    }

    /// <summary>Lets the process's memory be swapped again.</summary>
    public static void Unlock()
    {
        _ = munlockall();
        IsLocked = false;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mlockall(int flags);

    [LibraryImport("libc")]
    private static partial int munlockall();
}
