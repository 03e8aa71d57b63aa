namespace Vrrp.Health;

/// <summary>Makes the checks of one or more <see cref="VrrpCheckDefinition.Type"/>s: register one to add a kind of check that configuration can name.</summary>
public interface IVrrpCheckFactory
{
    /// <summary>Gets the types this factory makes, compared without regard to case.</summary>
    IReadOnlyCollection<string> Types { get; }

    /// <summary>Makes the check a definition describes.</summary>
    /// <param name="definition">The definition; its <see cref="VrrpCheckDefinition.Type"/> is one of <see cref="Types"/>.</param>
    /// <returns>The check.</returns>
    /// <exception cref="ArgumentException">The target is not what the type needs; the message says what it must be.</exception>
    IVrrpHealthCheck Create(VrrpCheckDefinition definition);
}
