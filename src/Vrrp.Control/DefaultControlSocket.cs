namespace Vrrp.Control;

/// <summary>
/// Where vrrpd listens and vrrpctl connects when no path is given: <c>/run/vrrpd.sock</c> in the host's network
/// namespace, and a path of the namespace's own in any other. Namespaces share the file system, so one fixed path
/// made a second vrrpd in another namespace of the same host fail to start. Compiled into both programs.
/// </summary>
internal static class DefaultControlSocket
{
    /// <summary>Gets the default path for the network namespace this process runs in.</summary>
    public static string Path
    {
        get
        {
            string? own = NamespaceOf("/proc/self/ns/net");
            string? host = NamespaceOf("/proc/1/ns/net"); // readable by root; vrrpd runs as root
            return own is null || host is null || own == host ? "/run/vrrpd.sock" : $"/run/vrrpd.{own}.sock";
        }
    }

    // "net:[4026532246]" -> "net-4026532246": the namespace's inode, the same for every process inside it.
    private static string? NamespaceOf(string link)
    {
        try
        {
            string? target = new FileInfo(link).LinkTarget;
            return target is { Length: > 6 } && target.StartsWith("net:[", StringComparison.Ordinal) && target.EndsWith(']')
                ? $"net-{target[5..^1]}"
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
