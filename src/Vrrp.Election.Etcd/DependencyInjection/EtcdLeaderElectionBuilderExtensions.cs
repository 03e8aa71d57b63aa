using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vrrp.Election.Etcd;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs a named election on etcd.</summary>
public static class EtcdLeaderElectionBuilderExtensions
{
    /// <summary>
    /// Runs the election on etcd (see <see cref="EtcdLeaderElection"/>): it campaigns when the host starts, and on
    /// stop ends its term and revokes its lease so that another node leads at once. Bad options fail the host's start
    /// with a message that names each field and its range.
    /// </summary>
    /// <param name="builder">The election's builder, from <c>AddLeaderElection(name)</c>.</param>
    /// <param name="configure">Sets the endpoints and the lease's timing.</param>
    /// <returns>The builder.</returns>
    public static ILeaderElectionBuilder UseEtcd(this ILeaderElectionBuilder builder, Action<EtcdLeaderElectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        string name = builder.Name;
        builder.Services.AddKeyedSingleton(name, (sp, _) =>
        {
            var options = new EtcdLeaderElectionOptions();
            configure(options);
            return new EtcdLeaderElection(name, options, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>()?.CreateLogger("Vrrp.Election.Etcd"));
        });
        builder.UseBackend(sp => sp.GetRequiredKeyedService<EtcdLeaderElection>(name));
        builder.Services.AddSingleton<IHostedService>(sp => new EtcdElectionHostedService(sp.GetRequiredKeyedService<EtcdLeaderElection>(name)));
        return builder;
    }

    private sealed class EtcdElectionHostedService(EtcdLeaderElection election) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            election.Start();
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await election.DisposeAsync().ConfigureAwait(false);
    }
}
