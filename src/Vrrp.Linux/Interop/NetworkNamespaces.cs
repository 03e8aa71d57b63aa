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
        string? link = new FileInfo("/proc/self/ns/net").LinkTarget; // "net:[4026532246]"
        if (link is null || !link.StartsWith("net:[", StringComparison.Ordinal)
            || !ulong.TryParse(link.AsSpan(5, link.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out ulong own)
            || !Directory.Exists("/run/netns"))
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
}
