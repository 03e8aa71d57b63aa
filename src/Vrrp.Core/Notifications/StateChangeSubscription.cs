using System.Threading.Channels;

namespace Vrrp.Notifications;

/// <summary>
/// An ordered stream of one router's state changes, for an in-process reader (<c>await foreach</c>). Writing to it
/// never blocks the router.
/// </summary>
/// <remarks>
/// The stream is bounded and drops the <em>oldest</em> change when full, counting it in <see cref="Dropped"/>: a
/// reader that falls behind still sees the newest changes, so the last change it reads is always the router's
/// current state, and memory stays bounded however long the reader stalls. An unbounded stream would make a
/// stalled reader a memory leak on a flapping router; a stream that drops the newest would leave the reader
/// believing in a state that is over.
/// </remarks>
public sealed class StateChangeSubscription : IDisposable
{
    /// <summary>The capacity when none is given.</summary>
    public const int DefaultCapacity = 256;

    private readonly VirtualRouter _router;
    private readonly Channel<StateChange> _channel;
    private readonly EventHandler<StateChange> _onStateChanged;
    private long _dropped;

    /// <summary>Starts listening to a router's changes; changes before this are not in the stream.</summary>
    /// <param name="router">The router.</param>
    /// <param name="capacity">How many unread changes are kept, 1 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
    public StateChangeSubscription(VirtualRouter router, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _router = router;
        Capacity = capacity;
        _channel = Channel.CreateBounded<StateChange>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true },
            _ => Interlocked.Increment(ref _dropped));
        _onStateChanged = (_, change) => _channel.Writer.TryWrite(change);
        router.StateChanged += _onStateChanged;
    }

    /// <summary>Gets the capacity.</summary>
    public int Capacity { get; }

    /// <summary>Gets how many changes were dropped because the reader fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets the reader of the stream.</summary>
    public ChannelReader<StateChange> Reader => _channel.Reader;

    /// <summary>Reads the changes in order until the stream is disposed or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The changes.</returns>
    public IAsyncEnumerable<StateChange> ReadAllAsync(CancellationToken cancellationToken = default) => _channel.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Stops listening; a reader gets the changes still buffered, then the end of the stream.</summary>
    public void Dispose()
    {
        _router.StateChanged -= _onStateChanged;
        _channel.Writer.TryComplete();
    }
}
