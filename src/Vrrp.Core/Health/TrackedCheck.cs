namespace Vrrp.Health;

/// <summary>
/// A health signal a virtual router tracks, with keepalived's weight semantics (<c>track_script</c>,
/// <c>track_interface</c>, <c>track_file</c>): a positive weight is added to the priority while healthy, a negative
/// weight while failing, and a failing check of weight 0 puts the router in Fault.
/// </summary>
/// <remarks>Whatever runs the check (a scheduler, a test) reports its result with <see cref="SetHealthy"/>.</remarks>
public sealed class TrackedCheck
{
    /// <summary>The smallest weight keepalived accepts.</summary>
    public const int MinWeight = -253;

    /// <summary>The largest weight keepalived accepts.</summary>
    public const int MaxWeight = 253;

    private int _healthy;

    /// <summary>Initializes a check.</summary>
    /// <param name="name">A name for logs and status, as keepalived's script name.</param>
    /// <param name="weight">From −253 to 253; 0 makes a failure a Fault.</param>
    /// <param name="initiallyHealthy">The state before the first result.</param>
    /// <exception cref="ArgumentOutOfRangeException">The weight is out of range.</exception>
    public TrackedCheck(string name, int weight, bool initiallyHealthy = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (weight is < MinWeight or > MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"TrackedCheck '{name}': Weight must be {MinWeight} to {MaxWeight}; got {weight}.");
        }

        Name = name;
        Weight = weight;
        _healthy = initiallyHealthy ? 1 : 0;
    }

    /// <summary>Raised when the health changes, on the thread that reported it.</summary>
    public event EventHandler? Changed;

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the weight.</summary>
    public int Weight { get; }

    /// <summary>Gets a value indicating whether the check is healthy.</summary>
    public bool IsHealthy => Volatile.Read(ref _healthy) == 1;

    /// <summary>Gets the priority change this check makes now: its weight if positive and healthy, or negative and failing; else 0.</summary>
    public int PriorityDelta => Weight > 0 ? (IsHealthy ? Weight : 0) : (IsHealthy ? 0 : Weight);

    /// <summary>Gets a value indicating whether this check puts the router in Fault now: weight 0 and failing.</summary>
    public bool CausesFault => Weight == 0 && !IsHealthy;

    /// <summary>Reports a result. Only changes raise <see cref="Changed"/>.</summary>
    /// <param name="healthy">Whether the check passed.</param>
    public void SetHealthy(bool healthy)
    {
        if (Interlocked.Exchange(ref _healthy, healthy ? 1 : 0) != (healthy ? 1 : 0))
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }
}
