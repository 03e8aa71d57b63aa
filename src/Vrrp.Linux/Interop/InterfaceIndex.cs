using System.Runtime.InteropServices;

namespace Vrrp.Linux.Interop;

/// <summary>
/// <c>if_nametoindex(3)</c>: asks the kernel on every call, so a name whose interface was removed and made again (a
/// virtual MAC router's macvlan after a restart) resolves to its new index, where a cache would keep the old one.
/// </summary>
internal static partial class InterfaceIndex
{
    /// <summary>Returns the index of the named interface in the calling thread's namespace, or 0 when there is none.</summary>
    public static int Of(string name) => (int)if_nametoindex(name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint if_nametoindex(string name);
}
