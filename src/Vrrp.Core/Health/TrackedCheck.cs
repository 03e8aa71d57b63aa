namespace Vrrp.Health;

/// <summary>
/// A health signal a virtual router tracks, with keepalived's weight semantics (<c>track_script</c>,
/// <c>track_interface</c>, <c>track_file</c>): a positive weight is added to the priority while healthy, a negative
/// weight while failing, and a failing check of weight 0 puts the router in Fault.
/// </summary>
/// <remarks>
/// <para>Whatever runs the check (a <see cref="ScheduledHealthCheck"/>, a test) reports its result with
/// <see cref="SetHealthy"/>, or, for keepalived's <c>track_file</c>, reports the number read with
/// <see cref="SetValue"/>: the priority then moves by value × weight.</para>
/// </remarks>
public sealed class TrackedCheck
{
    /// <summary>The smallest weight keepalived accepts.</summary>
    public const int MinWeight = -253;

    /// <summary>The largest weight keepalived accepts.</summary>
    public const int MaxWeight = 253;

    private int _healthy;

    // Non-null while the check is value-tracked (track_file): set by SetValue, cleared by SetHealthy. Swapped whole so
    // that the router never reads a delta and a fault flag from two different values.
    private ValueState? _value;

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

    /// <summary>
    /// Gets a value indicating whether the weight works the other way (keepalived's <c>weight W reverse</c>): a positive
    /// weight is subtracted while healthy, a negative one added (as its size) while failing, a track_file's product
    /// changes sign, and with weight 0 a healthy check (a zero value) is the Fault.
    /// </summary>
    public bool Reverse { get; init; }

    /// <summary>
    /// Gets a value indicating whether the check's state is unknown until its first result, as a keepalived script's
    /// in its init state: a router with such a check of weight 0 comes up only after that result, which hosts may act
    /// on (the Linux host announces a unicast router's source address then, as keepalived's <c>try_up_instance</c>).
    /// </summary>
    public bool AwaitsFirstResult { get; init; }

    /// <summary>Gets a value indicating whether the check is healthy (for a value-tracked check: not causing a Fault).</summary>
    public bool IsHealthy => Volatile.Read(ref _value) is { } value ? !value.Fault : Volatile.Read(ref _healthy) == 1;

    /// <summary>
    /// Gets the last value reported with <see cref="SetValue"/>, or <see langword="null"/> while the check reports
    /// healthy or failing instead.
    /// </summary>
    public long? Value => Volatile.Read(ref _value)?.Value;

    /// <summary>
    /// Gets the priority change this check makes now: its weight if positive and healthy, or negative and failing;
    /// for a value-tracked check, value × weight limited to 253; else 0.
    /// </summary>
    public int PriorityDelta
    {
        get
        {
            if (Volatile.Read(ref _value) is { } value)
            {
                return value.Delta;
            }

            bool healthy = Volatile.Read(ref _healthy) == 1;
            int delta = Weight > 0 ? (healthy ? Weight : 0) : (healthy ? 0 : Weight);
            return Reverse ? -delta : delta; // keepalived: weight × multiplier, the multiplier −1 when reversed
        }
    }

    /// <summary>
    /// Gets a value indicating whether this check puts the router in Fault now: weight 0 and failing; for a
    /// value-tracked check, a non-zero value with weight 0, or value × weight below −253.
    /// </summary>
    public bool CausesFault => Volatile.Read(ref _value) is { } value ? value.Fault : Weight == 0 && (Volatile.Read(ref _healthy) == 1) == Reverse;

    /// <summary>Reports a result. Only changes raise <see cref="Changed"/>.</summary>
    /// <param name="healthy">Whether the check passed.</param>
    public void SetHealthy(bool healthy)
    {
        bool wasValue = Interlocked.Exchange(ref _value, null) is not null;
        if (Interlocked.Exchange(ref _healthy, healthy ? 1 : 0) != (healthy ? 1 : 0) || wasValue)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>
    /// Reports a number, as keepalived's <c>track_file</c> reads one from its file: with weight 0 a non-zero value
    /// is a Fault and 0 is healthy; otherwise the priority moves by value × weight, at most +253, and a product below
    /// −253 is a Fault. Only changes of the resulting delta or Fault raise <see cref="Changed"/>.
    /// </summary>
    /// <param name="value">The number.</param>
    public void SetValue(long value)
    {
        ValueState next = ValueState.For(value, Weight, Reverse);
        ValueState? previous = Interlocked.Exchange(ref _value, next);
        if (previous is null || previous.Delta != next.Delta || previous.Fault != next.Fault)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }

    private sealed record ValueState(long Value, int Delta, bool Fault)
    {
        // keepalived track_file.c: weight 0 makes any non-zero value a failure (reversed: zero); otherwise value ×
        // weight (× −1 reversed), where a result below −253 means Fault and one above 253 is limited to 253.
        public static ValueState For(long value, int weight, bool reverse)
        {
            if (weight == 0)
            {
                return new ValueState(value, 0, (value != 0) != reverse);
            }

            long product = Math.Clamp(value, int.MinValue, int.MaxValue) * weight * (reverse ? -1 : 1);
            return product < MinWeight ? new ValueState(value, 0, true) : new ValueState(value, (int)Math.Min(product, MaxWeight), false);
        }
    }
}
