namespace Vrrp.Election.Etcd.Tests;

/// <summary>Starts an <see cref="EtcdCluster"/> for a test, or skips the test with the reason when etcd is not installed.</summary>
internal static class Etcd
{
    public static Task<EtcdCluster> StartAsync(int size)
    {
        Assert.SkipWhen(EtcdCluster.Binary is null, "needs etcd (apt-get install etcd-server; .ci/run installs it)");
        return EtcdCluster.StartAsync(size);
    }
}
