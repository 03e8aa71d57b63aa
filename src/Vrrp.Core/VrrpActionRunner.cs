namespace Vrrp;

/// <summary>
/// Runs what a router carries out off its protocol loop: adding and removing addresses, announcing them, and telling
/// notifiers and <see cref="VirtualRouter.StateChanged"/> handlers. Each router has two lanes, the seams' (addresses,
/// announcements) and the listeners' (notifiers, handlers), and hands the runner at most one work item per lane at a
/// time: each lane keeps its order, a change is told only after the address work before it, and the runner only
/// chooses the thread.
/// </summary>
/// <remarks>
/// The protocol loop (timer expiries and received packets) only sends advertisements, which never wait. Everything
/// that may block (a netlink round trip, a handler, a logger whose sink stopped draining) runs here, so one router's
/// slow seam delays no advertisement of its own or of any other router. <see cref="ThreadPool"/> is the default;
/// Vrrp.Testing has an inline runner for deterministic tests under a virtual clock.
/// </remarks>
public abstract class VrrpActionRunner
{
    /// <summary>Gets the runner that queues work to the .NET thread pool: the default for address changes and announcements.</summary>
    public static VrrpActionRunner ThreadPool { get; } = new ThreadPoolRunner();

    // The default for notifiers and handlers, the user's code: threads of their own, so that listeners stuck on a log
    // whose pipe stopped draining (every router's at once, behind the console's lock) cannot starve the thread pool
    // that address changes and the application need. Four: one stuck handler leaves three for the others.
    internal static VrrpActionRunner Listeners { get; } = new DedicatedThreadsRunner("vrrp-notify", 4);

    // The warm-up's rehearsal runs on its own clock, one step at a time, and records the order of changes across
    // routers: it runs the actions at once, as Vrrp.Testing's InlineActionRunner does.
    internal static VrrpActionRunner Inline { get; } = new InlineRunner();

    /// <summary>Runs <paramref name="work"/> once, soon, on a thread of the runner's choosing. Must not throw.</summary>
    /// <param name="work">A router's pending actions; it runs them in order and returns when none is left.</param>
    protected internal abstract void Run(IThreadPoolWorkItem work);

    private sealed class InlineRunner : VrrpActionRunner
    {
        protected internal override void Run(IThreadPoolWorkItem work) => work.Execute();
    }

    // Work items wait in a queue; the threads start at the first item and live as long as the process (background).
#pragma warning disable CA1001 // one instance, as long-lived as the process: nothing to dispose it
    private sealed class DedicatedThreadsRunner(string name, int threads) : VrrpActionRunner
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<IThreadPoolWorkItem> _work = new();
        private readonly SemaphoreSlim _available = new(0);
        private int _started;

        protected internal override void Run(IThreadPoolWorkItem work)
        {
            if (Volatile.Read(ref _started) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
            {
                for (int i = 0; i < threads; i++)
                {
                    new Thread(Loop) { IsBackground = true, Name = $"{name}-{i}" }.Start();
                }
            }

            _work.Enqueue(work);
            _available.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _available.Wait();
                if (_work.TryDequeue(out IThreadPoolWorkItem? work))
                {
                    work.Execute();
                }
            }
        }
    }

#pragma warning restore CA1001

    private sealed class ThreadPoolRunner : VrrpActionRunner
    {
        protected internal override void Run(IThreadPoolWorkItem work) =>
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
    }
}
