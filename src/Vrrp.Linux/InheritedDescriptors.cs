using System.Globalization;
using Tmds.Linux;

namespace Vrrp.Linux;

/// <summary>
/// Descriptors a process inherited from whoever started it (a test host's pipes, a shell's redirections) are not
/// close-on-exec, and would pass on to every script the process runs. Call <see cref="MarkCloseOnExec"/> once at start,
/// as vrrpd does: scripts then get their standard streams and nothing else.
/// </summary>
public static class InheritedDescriptors
{
    /// <summary>Sets FD_CLOEXEC on every open descriptor above 2. Nothing is closed: the process keeps using them.</summary>
    /// <returns>How many descriptors were open above 2.</returns>
    public static int MarkCloseOnExec()
    {
        int marked = 0;
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd) && fd > 2)
            {
                int flags = LibC.fcntl(fd, LibC.F_GETFD);
                if (flags >= 0 && LibC.fcntl(fd, LibC.F_SETFD, flags | LibC.FD_CLOEXEC) >= 0)
                {
                    marked++;
                }
            }
        }

        return marked;
    }
}
