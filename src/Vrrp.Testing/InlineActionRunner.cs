namespace Vrrp.Testing;

/// <summary>
/// Runs a router's off-loop actions (address changes, announcements, notifications) at once, on the thread that
/// asked for them: under a <see cref="VirtualClock"/>, they happen at the virtual instant of the transition that
/// caused them, so a test reads the addresses and events right after moving the clock. For tests only: a seam or
/// handler that blocks then blocks the clock, as it would block the protocol loop.
/// </summary>
/// <remarks>
/// <see cref="VrrpSimulation"/> and <c>UseInMemoryNetwork()</c> use it. To test that a stuck seam delays nothing,
/// give the routers <see cref="VrrpActionRunner.ThreadPool"/> instead (<see cref="VrrpSimulationBuilder.WithActionRunner"/>).
/// </remarks>
public sealed class InlineActionRunner : VrrpActionRunner
{
    private InlineActionRunner()
    {
    }

    /// <summary>Gets the one instance.</summary>
    public static InlineActionRunner Instance { get; } = new();

    /// <inheritdoc/>
    protected override void Run(IThreadPoolWorkItem work)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Execute();
    }
}
