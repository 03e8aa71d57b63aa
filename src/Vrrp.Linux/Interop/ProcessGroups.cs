using Tmds.Linux;

namespace Vrrp.Linux.Interop;

/// <summary><c>getpgid</c> and <c>kill(-pgid, SIGKILL)</c>, for scripts started as the leaders of groups of their own.</summary>
internal static class ProcessGroups
{
    /// <summary>Returns the process group of a process, or -1 when it is gone.</summary>
    public static int GroupOf(int pid) => LibC.getpgid(pid);

    /// <summary>Sends SIGKILL to every process of a group.</summary>
    public static void Kill(int group) => _ = LibC.kill(-group, LibC.SIGKILL);
}
