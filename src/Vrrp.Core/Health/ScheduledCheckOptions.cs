using System.Globalization;

namespace Vrrp.Health;

/// <summary>
/// How a <see cref="ScheduledHealthCheck"/> runs a check and turns its results into health, one property per keyword
/// of keepalived's <c>vrrp_script</c> block (the <c>script</c> and <c>user</c> keywords belong to
/// Vrrp.Keepalived's <c>CommandHealthCheck</c>).
/// </summary>
public sealed class ScheduledCheckOptions
{
    /// <summary>The longest interval or timeout accepted: one day.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>Gets or sets the name for logs and status (the <c>vrrp_script</c> block's name).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the time between runs (<c>interval</c>), more than 0 and at most one day. Default 1 s, as keepalived.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how long a run may take before it is cancelled and counted as a failure (<c>timeout</c>), more
    /// than 0 and at most one day; <see langword="null"/> means <see cref="Interval"/>, as keepalived.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets or sets the consecutive successes that make a failing check healthy (<c>rise</c>), 1 to 1000000. Default 1.</summary>
    public int Rise { get; set; } = 1;

    /// <summary>Gets or sets the consecutive failures that make a healthy check failing (<c>fall</c>), 1 to 1000000. Default 1.</summary>
    public int Fall { get; set; } = 1;

    /// <summary>
    /// Gets or sets the weight (<c>weight</c>), −253 to 253: a positive weight is added to the priority while
    /// healthy, a negative one while failing, and 0 (the default, as keepalived) puts the router in Fault while failing.
    /// </summary>
    public int Weight { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the check starts failing and needs <see cref="Rise"/> successes
    /// (<c>init_fail</c>). Off by default: the check starts healthy, and its first result, success or failure,
    /// decides at once, as keepalived's does.
    /// </summary>
    public bool InitFail { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the check's state is known when it is made (an interface's link, an
    /// address's presence, a file's content), unlike a script's, known at its first result. keepalived holds an
    /// instance with an unweighted script in its init state until the script's first result, and comes up from there
    /// (<see cref="TrackedCheck.AwaitsFirstResult"/>); not for these. Off by default.
    /// </summary>
    public bool KnownAtStart { get; set; }

    /// <summary>Gets the timeout in force: <see cref="Timeout"/>, or <see cref="Interval"/> when unset.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? Interval;

    /// <summary>Lists every configuration error; empty when the options are valid.</summary>
    /// <returns>One message per error, naming the field and its allowed range.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        string prefix = string.IsNullOrWhiteSpace(Name) ? "health check" : $"health check '{Name}'";
        void Error(string message) => errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}: {message}"));

        if (string.IsNullOrWhiteSpace(Name))
        {
            Error("Name must not be empty.");
        }

        if (Interval <= TimeSpan.Zero || Interval > MaxInterval)
        {
            Error($"Interval must be more than 0 and at most {MaxInterval.TotalSeconds} s; got {Interval.TotalSeconds} s.");
        }

        if (Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > MaxInterval))
        {
            Error($"Timeout must be more than 0 and at most {MaxInterval.TotalSeconds} s (or unset for Interval); got {timeout.TotalSeconds} s.");
        }

        if (Rise is < 1 or > 1_000_000)
        {
            Error($"Rise must be 1 to 1000000; got {Rise}.");
        }

        if (Fall is < 1 or > 1_000_000)
        {
            Error($"Fall must be 1 to 1000000; got {Fall}.");
        }

        if (Weight is < TrackedCheck.MinWeight or > TrackedCheck.MaxWeight)
        {
            Error($"Weight must be {TrackedCheck.MinWeight} to {TrackedCheck.MaxWeight}; got {Weight}.");
        }

        return errors;
    }
}
