namespace Vrrp.Health;

/// <summary>
/// A tracked check described by data, so that it can come from configuration (<c>Vrrp:Routers:0:Checks</c>): what to
/// check (<see cref="Type"/> and <see cref="Target"/>) and how its results move the priority (the
/// <see cref="ScheduledCheckOptions"/> fields). The router's service runs it while the router runs.
/// </summary>
public sealed class VrrpCheckDefinition
{
    /// <summary>Gets or sets the kind of check: <c>Tcp</c>, <c>Http</c> and <c>Ping</c> are built in; <c>Command</c> comes with Vrrp.Keepalived's <c>AddCommandChecks()</c>; other <see cref="IVrrpCheckFactory"/> registrations add their own.</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>Gets or sets what is checked: <c>host:port</c> (Tcp), an absolute http or https URL (Http), an IP address (Ping), a command line (Command).</summary>
    public string Target { get; set; } = string.Empty;

    /// <summary>Gets the status codes an Http check accepts; empty for any 2xx.</summary>
    public IList<int> ExpectedStatusCodes { get; } = new List<int>();

    /// <summary>Gets or sets the name for logs and status; by default <c>{Type} {Target}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the time between runs, more than 0 and at most one day. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a run may take before it counts as a failure; <see langword="null"/> for <see cref="Interval"/>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets or sets the consecutive successes that make a failing check healthy, 1 to 1000000. Default 1.</summary>
    public int Rise { get; set; } = 1;

    /// <summary>Gets or sets the consecutive failures that make a healthy check failing, 1 to 1000000. Default 1.</summary>
    public int Fall { get; set; } = 1;

    /// <summary>Gets or sets the weight, −253 to 253: added to the priority while healthy (positive) or failing (negative); 0 puts the router in Fault while failing.</summary>
    public int Weight { get; set; }

    /// <summary>Gets or sets a value indicating whether the check starts failing and needs <see cref="Rise"/> successes.</summary>
    public bool InitFail { get; set; }

    /// <summary>Gets the name in force: <see cref="Name"/>, or <c>{Type} {Target}</c>.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? $"{Type} {Target}" : Name;

    /// <summary>Returns the scheduling part as <see cref="ScheduledCheckOptions"/>.</summary>
    /// <returns>New options.</returns>
    public ScheduledCheckOptions ToScheduledCheckOptions() => new()
    {
        Name = EffectiveName,
        Interval = Interval,
        Timeout = Timeout,
        Rise = Rise,
        Fall = Fall,
        Weight = Weight,
        InitFail = InitFail,
    };

    /// <summary>Tells whether two definitions describe the same check (a reload that keeps it keeps it running).</summary>
    /// <param name="other">The other definition.</param>
    /// <returns>Whether every field is equal.</returns>
    public bool IsSameAs(VrrpCheckDefinition other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Type, other.Type, StringComparison.OrdinalIgnoreCase) && Target == other.Target && Name == other.Name
            && Interval == other.Interval && Timeout == other.Timeout && Rise == other.Rise && Fall == other.Fall
            && Weight == other.Weight && InitFail == other.InitFail && ExpectedStatusCodes.SequenceEqual(other.ExpectedStatusCodes);
    }
}
