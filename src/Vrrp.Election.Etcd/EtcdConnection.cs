using dotnet_etcd;
using dotnet_etcd.interfaces;
using Etcdserverpb;

namespace Vrrp.Election.Etcd;

/// <summary>dotnet-etcd's client and the raw gRPC clients the election drives itself (keep-alive and watch streams).</summary>
internal sealed class EtcdConnection : IDisposable
{
    private readonly EtcdClient _client;
    private readonly bool _ownsClient;
    private readonly TimeSpan _requestTimeout;

    public EtcdConnection(EtcdLeaderElectionOptions options)
    {
        _ownsClient = options.Client is null;
        _client = options.Client ?? new EtcdClient(options.Endpoints!);
        _requestTimeout = options.RequestTimeout;
        IConnection connection = _client.GetConnection();
        KV = connection.KVClient;
        Lease = connection.LeaseClient;
        Watch = connection.WatchClient;
    }

    public KV.KVClient KV { get; }

    public Lease.LeaseClient Lease { get; }

    public Watch.WatchClient Watch { get; }

    /// <summary>Gets the deadline of a request sent now (gRPC deadlines are wall-clock UTC).</summary>
    /// <returns>The deadline.</returns>
    public DateTime Deadline() => DateTime.UtcNow + _requestTimeout;

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }
}
