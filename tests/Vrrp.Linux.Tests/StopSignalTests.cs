using System.Net;
using System.Net.Sockets;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Tests;

/// <summary>The wait the receive loops block in: a datagram or the stop signal ends it, nothing else; it never throws.</summary>
public sealed class StopSignalTests
{
    [Fact]
    public async Task A_wait_ends_readable_when_a_datagram_comes_and_not_readable_when_stopped_from_another_thread()
    {
        // Input: a blocked wait on an idle socket, then a datagram; then a second blocked wait, then Set from another
        // thread. Expected: the first returns true, the second false, both well within a second.
        using var signal = new StopSignal();
        using Socket socket = Loopback();
        using Socket sender = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Task<bool> first = Task.Factory.StartNew(() => signal.WaitReadable(socket.SafeHandle), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        sender.SendTo([1, 2, 3], socket.LocalEndPoint!);
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        _ = socket.Receive(new byte[16]);

        Task<bool> second = Task.Factory.StartNew(() => signal.WaitReadable(socket.SafeHandle), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAny(second, Task.Delay(100, TestContext.Current.CancellationToken));
        Assert.False(second.IsCompleted, "nothing to read: the wait must block");
        signal.Set();
        Assert.False(await second.WaitAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        Assert.True(signal.IsSet);
    }

    [Fact]
    public void Once_set_every_later_wait_returns_at_once_even_with_a_datagram_waiting()
    {
        // Input: a set signal, a socket with a datagram queued. Expected: false, without blocking; twice.
        using var signal = new StopSignal();
        using Socket socket = Loopback();
        using Socket sender = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.SendTo([1], socket.LocalEndPoint!);
        signal.Set();

        Assert.False(signal.WaitReadable(socket.SafeHandle));
        Assert.False(signal.WaitReadable(socket.SafeHandle));
    }

    [Fact]
    public void A_disposed_socket_or_signal_makes_the_wait_return_false_and_never_throw()
    {
        // Input: a wait on a closed socket; a wait and a Set on a disposed signal. Expected: false, no exception.
        var signal = new StopSignal();
        Socket socket = Loopback();
        socket.Dispose();
        Assert.False(signal.WaitReadable(socket.SafeHandle));

        using Socket open = Loopback();
        signal.Dispose();
        signal.Set();
        Assert.False(signal.WaitReadable(open.SafeHandle));
    }

    private static Socket Loopback()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
