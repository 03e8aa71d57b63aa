namespace Vrrp.Testing;

/// <summary>How a link between two hosts of an <see cref="InMemoryNetwork"/> treats the frames it carries.</summary>
public sealed record LinkConditions
{
    /// <summary>Gets a perfect link: no loss, no delay.</summary>
    public static LinkConditions Perfect { get; } = new();

    /// <summary>Gets the probability, 0 to 1, that a frame is lost.</summary>
    public double Loss { get; init; }

    /// <summary>Gets the probability, 0 to 1, that a frame arrives twice.</summary>
    public double Duplication { get; init; }

    /// <summary>Gets the fixed delay of every frame.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Gets the largest random extra delay: frames overtake each other when it exceeds the gap between them.</summary>
    public TimeSpan Jitter { get; init; }
}
