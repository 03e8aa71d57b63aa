using Vrrp.Election;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers named leader elections.</summary>
public static class LeaderElectionServiceCollectionExtensions
{
    /// <summary>
    /// Registers an election named <paramref name="name"/>: inject it with <c>[FromKeyedServices("name")]
    /// ILeaderElection</c>, or as a plain <see cref="ILeaderElection"/> when the host has only one. Choose its backend
    /// on the builder returned.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The election's name, unique in the host.</param>
    /// <returns>The builder of this election.</returns>
    /// <exception cref="ArgumentException">An election of that name is registered already.</exception>
    public static ILeaderElectionBuilder AddLeaderElection(this IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        LeaderElectionRegistry registry = LeaderElectionRegistry.Of(services);
        if (!registry.Add(name))
        {
            throw new ArgumentException($"A leader election named '{name}' is registered already; give each election of a host its own name.", nameof(name));
        }

        // Until a backend replaces it, resolving the election says what is missing instead of "no service for key".
        services.AddKeyedSingleton<ILeaderElection>(name, (_, _) => throw new InvalidOperationException(
            $"The leader election '{name}' has no backend: call UseVrrp(routerName) or UseEtcd(...) on what AddLeaderElection(\"{name}\") returned."));
        return new LeaderElectionBuilder(services, name);
    }

    /// <summary>
    /// Sets the backend of an election: the factory is called once, when the election is first resolved; the
    /// container disposes what it returns. For backend packages; applications call <c>UseVrrp</c> or <c>UseEtcd</c>.
    /// </summary>
    /// <param name="builder">The election's builder.</param>
    /// <param name="factory">Makes the election.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">The election has a backend already.</exception>
    public static ILeaderElectionBuilder UseBackend(this ILeaderElectionBuilder builder, Func<IServiceProvider, ILeaderElection> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        LeaderElectionRegistry registry = LeaderElectionRegistry.Of(builder.Services);
        if (!registry.SetBackend(builder.Name))
        {
            throw new InvalidOperationException($"The leader election '{builder.Name}' has a backend already; one election has one backend.");
        }

        for (int i = builder.Services.Count - 1; i >= 0; i--)
        {
            ServiceDescriptor descriptor = builder.Services[i];
            if (descriptor.IsKeyedService && descriptor.ServiceType == typeof(ILeaderElection) && Equals(descriptor.ServiceKey, builder.Name))
            {
                builder.Services.RemoveAt(i);
            }
        }

        builder.Services.AddKeyedSingleton<ILeaderElection>(builder.Name, (sp, _) => factory(sp));
        return builder;
    }

    private sealed class LeaderElectionBuilder(IServiceCollection services, string name) : ILeaderElectionBuilder
    {
        public IServiceCollection Services { get; } = services;

        public string Name { get; } = name;
    }
}
