namespace Vrrp.Health;

/// <summary>The result of one run of an <see cref="IVrrpHealthCheck"/>: healthy, failing, or a number (keepalived's <c>track_file</c>).</summary>
public readonly record struct VrrpCheckResult
{
    private VrrpCheckResult(bool healthy, long? value, string? description)
    {
        IsHealthy = healthy;
        Value = value;
        Description = description;
    }

    /// <summary>Gets a healthy result.</summary>
    public static VrrpCheckResult Healthy => new(true, null, null);

    /// <summary>Gets a value indicating whether the check passed. A result with a <see cref="Value"/> passes.</summary>
    public bool IsHealthy { get; }

    /// <summary>
    /// Gets the number the check read, for checks with keepalived's <c>track_file</c> semantics: the scheduler then
    /// reports it with <see cref="TrackedCheck.SetValue"/> instead of counting rise and fall.
    /// </summary>
    public long? Value { get; }

    /// <summary>Gets why the check failed, or what it saw, for logs; may be <see langword="null"/>.</summary>
    public string? Description { get; }

    /// <summary>Makes a healthy result with a description.</summary>
    /// <param name="description">What the check saw.</param>
    /// <returns>The result.</returns>
    public static VrrpCheckResult Success(string? description) => new(true, null, description);

    /// <summary>Makes a failing result.</summary>
    /// <param name="description">Why the check failed.</param>
    /// <returns>The result.</returns>
    public static VrrpCheckResult Failure(string? description) => new(false, null, description);

    /// <summary>Makes a result that carries a number (keepalived's <c>track_file</c>).</summary>
    /// <param name="value">The number.</param>
    /// <param name="description">What the check saw; may be <see langword="null"/>.</param>
    /// <returns>The result.</returns>
    public static VrrpCheckResult FromValue(long value, string? description = null) => new(true, value, description);
}
