using System.Globalization;
using System.Runtime.InteropServices;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Timing;

/// <summary>
/// Pins the process to some CPUs (keepalived's <c>vrrp_cpu_affinity</c>): every thread running now, and so every thread
/// they start later, which inherits its creator's mask. keepalived's VRRP process is one thread and pins itself; the
/// equivalent here is every thread of the process, not only the protocol threads, so that the work a router hands to
/// the thread pool stays on the CPUs chosen too.
/// </summary>
public static partial class ProcessCpuAffinity
{
    private const int MaskWords = 16; // 1024 CPUs, glibc's cpu_set_t
    private static readonly object s_gate = new();
    private static ulong[]? s_original;

    /// <summary>Gets the CPUs the process is pinned to by <see cref="Set"/>, empty when it is not.</summary>
    public static IReadOnlyList<int> Cpus { get; private set; } = [];

    /// <summary>Pins every thread of the process to the given CPUs; an empty list puts back the mask from before the first call.</summary>
    /// <param name="cpus">CPU numbers, each from 0 to 1023.</param>
    /// <exception cref="ArgumentOutOfRangeException">A CPU number is out of range.</exception>
    /// <exception cref="IOException">The kernel refused the mask for the process's first thread (no CPU of it is online and allowed to the process: EINVAL).</exception>
    public static void Set(IReadOnlyList<int> cpus)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        foreach (int cpu in cpus)
        {
            if (cpu < 0 || cpu >= MaskWords * 64)
            {
                throw new ArgumentOutOfRangeException(nameof(cpus), cpu, $"CPU {cpu} is out of range: 0 to {MaskWords * 64 - 1}.");
            }
        }

        lock (s_gate)
        {
            if (s_original is null)
            {
                if (cpus.Count == 0)
                {
                    return; // never pinned: nothing to put back
                }

                s_original = new ulong[MaskWords];
                if (sched_getaffinity(0, MaskWords * sizeof(ulong), s_original) != 0)
                {
                    s_original = null;
                    throw Errno.Failure("sched_getaffinity", Marshal.GetLastPInvokeError(), null);
                }
            }

            ulong[] mask = cpus.Count == 0 ? s_original : new ulong[MaskWords];
            foreach (int cpu in cpus)
            {
                mask[cpu / 64] |= 1UL << (cpu % 64);
            }

            // The first thread must take it; a thread that ended between the listing and the call is no failure.
            if (sched_setaffinity(Environment.ProcessId, MaskWords * sizeof(ulong), mask) != 0)
            {
                throw Errno.Failure($"sched_setaffinity({string.Join(' ', cpus)})", Marshal.GetLastPInvokeError(), null);
            }

            // A thread started during a walk by one not yet pinned has the old mask: walk again until a walk finds
            // every thread pinned already (a few walks at most; bounded all the same).
            var pinned = new HashSet<int> { Environment.ProcessId };
            for (int walk = 0; walk < 8; walk++)
            {
                bool found = false;
                foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
                {
                    if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int thread) && pinned.Add(thread))
                    {
                        found = true;
                        _ = sched_setaffinity(thread, MaskWords * sizeof(ulong), mask);
                    }
                }

                if (!found)
                {
                    break;
                }
            }

            Cpus = cpus.Count == 0 ? [] : [.. cpus.Order()];
            if (cpus.Count == 0)
            {
                s_original = null;
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint size, ulong[] mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nint size, [Out] ulong[] mask);
}
