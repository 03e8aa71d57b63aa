using System.Globalization;
using Tmds.Linux;

namespace Vrrp.Linux.Interop;

/// <summary>Finds which named network namespace (<c>ip netns add NAME</c>) the process runs in.</summary>
public static unsafe class NetworkNamespaces
{
    /// <summary>
    /// Returns the name under <c>/run/netns</c> of the process's network namespace, or <see langword="null"/> when it
    /// runs in one that <c>ip netns</c> did not make, such as the host's own. Tests and the daemon use it to refuse
    /// to send anything outside a lab.
    /// </summary>
    /// <returns>The name, or <see langword="null"/>.</returns>
    public static string? CurrentName()
    {
        if (CurrentInode() is not ulong own || !Directory.Exists("/run/netns"))
        {
            return null;
        }

        foreach (string path in Directory.GetFiles("/run/netns"))
        {
            stat status;
            byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = name)
            {
                if (LibC.stat(p, &status) == 0 && (ulong)status.st_ino == own)
                {
                    return Path.GetFileName(path);
                }
            }
        }

        return null;
    }

    /// <summary>Returns the inode of the process's network namespace: the same for every process in it, another in each other.</summary>
    /// <returns>The inode, or <see langword="null"/> when <c>/proc</c> does not say.</returns>
    public static ulong? CurrentInode()
    {
        string? link = new FileInfo("/proc/self/ns/net").LinkTarget; // "net:[4026532246]"
        return link is not null && link.StartsWith("net:[", StringComparison.Ordinal) && link.EndsWith(']')
            && ulong.TryParse(link.AsSpan(5, link.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            ? inode
            : null;
    }
}
