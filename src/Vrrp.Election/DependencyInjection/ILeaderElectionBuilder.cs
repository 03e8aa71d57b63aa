namespace Microsoft.Extensions.DependencyInjection;

/// <summary>One named election being registered: choose its backend with <c>UseVrrp</c> (Vrrp.Core) or <c>UseEtcd</c> (Vrrp.Election.Etcd).</summary>
public interface ILeaderElectionBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }

    /// <summary>Gets the election's name: the key it is registered under.</summary>
    string Name { get; }
}
