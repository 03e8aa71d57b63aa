using System.Diagnostics;
using System.Runtime.Versioning;

namespace Vrrp.Keepalived.Checks;

/// <summary>
/// Scripts start as the leader of a process group of their own (through <c>setsid</c>), so a timeout kills the whole
/// group: children the script orphaned too, which are no longer its descendants, as keepalived kills the group.
/// </summary>
internal static class ProcessGroupLeader
{
    /// <summary>Makes <paramref name="start"/> run its program through <c>setsid</c>, when the system has it.</summary>
    public static void Wrap(ProcessStartInfo start)
    {
        if (!OperatingSystem.IsLinux() || SafeProgramPath.Resolve("setsid") is not { } setsid)
        {
            return;
        }

        // --wait: should setsid have to fork (the caller leading a group already), the exit code is still the script's.
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, "--wait");
        start.FileName = setsid;
    }

    /// <summary>Kills the process's group (when <see cref="Wrap"/> made it a leader), then what is left of its tree.</summary>
    public static void Kill(Process process)
    {
        if (OperatingSystem.IsLinux())
        {
            KillGroup(process.Id);
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited meanwhile
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // part of the tree exited meanwhile, or is not ours to kill
        }
    }

    [SupportedOSPlatform("linux")]
    private static void KillGroup(int leader)
    {
        // Only a group this process made: its leader is the script we started (pgid == pid).
        if (Linux.Interop.ProcessGroups.GroupOf(leader) == leader)
        {
            Linux.Interop.ProcessGroups.Kill(leader);
        }
    }
}
