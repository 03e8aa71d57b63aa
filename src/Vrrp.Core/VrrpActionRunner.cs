namespace Vrrp;

/// <summary>
/// Runs what a router carries out off its protocol loop: adding and removing addresses, announcing them, and telling
/// notifiers and <see cref="VirtualRouter.StateChanged"/> handlers. Each router hands it one work item at a time and
/// keeps its own order; the runner only chooses the thread.
/// </summary>
/// <remarks>
/// The protocol loop (timer expiries and received packets) only sends advertisements, which never wait. Everything
/// that may block (a netlink round trip, a handler, a logger whose sink stopped draining) runs here, so one router's
/// slow seam delays no advertisement of its own or of any other router. <see cref="ThreadPool"/> is the default;
/// Vrrp.Testing has an inline runner for deterministic tests under a virtual clock.
/// </remarks>
public abstract class VrrpActionRunner
{
    /// <summary>Gets the runner that queues work to the .NET thread pool: the default, and the one for production.</summary>
    public static VrrpActionRunner ThreadPool { get; } = new ThreadPoolRunner();

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

    private sealed class ThreadPoolRunner : VrrpActionRunner
    {
        protected internal override void Run(IThreadPoolWorkItem work) =>
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
    }
}
