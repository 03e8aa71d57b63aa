using Vrrp.Election;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The names of a host's elections, kept in the service collection itself so that the plain
/// <see cref="ILeaderElection"/> can tell one election (inject it) from several (say which key to use).
/// </summary>
internal sealed class LeaderElectionRegistry
{
    private readonly Dictionary<string, bool> _hasBackend = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    public IReadOnlyList<string> Names => _names;

    public static LeaderElectionRegistry Of(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(LeaderElectionRegistry) && descriptor.ImplementationInstance is LeaderElectionRegistry existing)
            {
                return existing;
            }
        }

        var registry = new LeaderElectionRegistry();
        services.AddSingleton(registry);
        services.AddSingleton<ILeaderElection>(sp => registry.ResolveOnly(sp));
        return registry;
    }

    public bool Add(string name)
    {
        if (!_hasBackend.TryAdd(name, false))
        {
            return false;
        }

        _names.Add(name);
        return true;
    }

    public bool SetBackend(string name)
    {
        if (!_hasBackend.TryGetValue(name, out bool has) || has)
        {
            return false;
        }

        _hasBackend[name] = true;
        return true;
    }

    private ILeaderElection ResolveOnly(IServiceProvider services) => _names.Count == 1
        ? services.GetRequiredKeyedService<ILeaderElection>(_names[0])
        : throw new InvalidOperationException(
            $"This host has {_names.Count} leader elections ({string.Join(", ", _names)}): inject one with [FromKeyedServices(\"name\")] ILeaderElection, or resolve it with GetRequiredKeyedService<ILeaderElection>(name).");
}
