namespace Vrrp.Election.Etcd.Tests;

/// <summary>An etcd user takes the election without the VRRP codec.</summary>
public sealed class PackageBoundaryTests
{
    [Fact]
    public void The_abstraction_and_the_etcd_backend_reference_no_VRRP_assembly()
    {
        string[] election = [.. typeof(ILeaderElection).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];
        string[] etcd = [.. typeof(EtcdLeaderElection).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];
        Assert.DoesNotContain(election, n => n.StartsWith("Vrrp.", StringComparison.Ordinal));
        Assert.Contains("Vrrp.Election", etcd);
        Assert.DoesNotContain(etcd, n => n.StartsWith("Vrrp.", StringComparison.Ordinal) && n != "Vrrp.Election");
    }
}
