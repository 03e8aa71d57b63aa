using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Linux.Interop;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// A netlink socket bound to multicast groups, read on a thread of its own that hands each message (its type and its
/// bytes after the 16-byte header) to a handler. Route netlink for the link and address watchers; the connector's
/// process events for the process monitor. Only the kernel's messages are handed on: a message from another socket
/// (a process with CAP_NET_ADMIN may unicast to ours) is dropped and counted in <see cref="NotFromKernel"/>.
/// </summary>
internal sealed unsafe class NetlinkSubscription : IDisposable
{
    private const int NotFromKernelDatagram = -1;
    private const int NothingRead = -2;
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int SO_ATTACH_FILTER = 26;

    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly MessageHandler _handler;
    private readonly Action? _overflowed;
    private readonly StopSignal _stop = new();
    private volatile bool _disposed;
    private long _notFromKernel;
    private long _delivered;

    public NetlinkSubscription(uint groups, string name, MessageHandler handler)
        : this(0 /* NETLINK_ROUTE */, groups, name, handler, overflowed: null, start: true)
    {
    }

    /// <param name="protocol">The netlink family (NETLINK_ROUTE 0, NETLINK_CONNECTOR 11).</param>
    /// <param name="groups">The multicast groups.</param>
    /// <param name="name">The listening thread's name.</param>
    /// <param name="handler">Takes each message.</param>
    /// <param name="overflowed">Told when the kernel dropped messages (ENOBUFS): what they said must be read again.</param>
    /// <param name="start">Whether to listen at once; else <see cref="Start"/> does, after a <see cref="Send"/>.</param>
    public NetlinkSubscription(int protocol, uint groups, string name, MessageHandler handler, Action? overflowed, bool start)
    {
        _handler = handler;
        _overflowed = overflowed;
        _socket = RawSockets.Open(RawSockets.AF_NETLINK, protocol, "CAP_NET_ADMIN");
        SocketAddressNetlink address = default;
        address.Family = RawSockets.AF_NETLINK;
        address.Groups = groups;
        if (LibC.bind((int)_socket.SafeHandle.DangerousGetHandle(), (sockaddr*)&address, sizeof(SocketAddressNetlink)) != 0)
        {
            int errno = Errno.Last;
            _socket.Dispose();
            _stop.Dispose();
            throw Errno.Failure($"bind(AF_NETLINK, groups 0x{groups:x})", errno);
        }

        _thread = new Thread(Listen) { IsBackground = true, Name = name };
        if (start)
        {
            _thread.Start();
        }
    }

    /// <summary>
    /// Attaches a classic BPF program (<c>SO_ATTACH_FILTER</c>) that the kernel runs on each message before it is
    /// queued: what it drops never wakes the listening thread nor fills the socket's buffer.
    /// </summary>
    /// <param name="program">The instructions (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k).</param>
    /// <returns>0, or the errno of the refusal.</returns>
    public int AttachFilter(ReadOnlySpan<SocketFilterInstruction> program)
    {
        fixed (SocketFilterInstruction* instructions = program)
        {
            SocketFilterProgram fprog = default;
            fprog.Length = (ushort)program.Length;
            fprog.Instructions = instructions;
            return LibC.setsockopt((int)_socket.SafeHandle.DangerousGetHandle(), LibC.SOL_SOCKET, SO_ATTACH_FILTER, &fprog, (socklen_t)sizeof(SocketFilterProgram)) == 0 ? 0 : Errno.Last;
        }
    }

    /// <summary>Starts listening (when made with start: false).</summary>
    public void Start() => _thread.Start();

    /// <summary>Sends one message to the kernel.</summary>
    /// <returns>0, or the errno of the failure (ECONNREFUSED: no kernel side here, as for the connector outside the first network namespace).</returns>
    public int Send(ReadOnlySpan<byte> message)
    {
        fixed (byte* data = message)
        {
            SocketAddressNetlink kernel = default;
            kernel.Family = RawSockets.AF_NETLINK;
            return LibC.sendto((int)_socket.SafeHandle.DangerousGetHandle(), data, message.Length, 0, (sockaddr*)&kernel, sizeof(SocketAddressNetlink)) == message.Length ? 0 : Errno.Last;
        }
    }

    /// <summary>Messages handed to the handler so far (read from another thread: a count, not a synchronisation).</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Datagrams dropped because their sender was not the kernel (port id 0).</summary>
    public long NotFromKernel => Interlocked.Read(ref _notFromKernel);

    /// <summary>The port id the kernel gave this socket: where a unicast to it goes.</summary>
    public uint PortId
    {
        get
        {
            SocketAddressNetlink address = default;
            socklen_t length = sizeof(SocketAddressNetlink);
            return LibC.getsockname((int)_socket.SafeHandle.DangerousGetHandle(), (sockaddr*)&address, &length) == 0 ? address.PortId : 0;
        }
    }

    public delegate void MessageHandler(ushort type, ReadOnlySpan<byte> payload);

    public void Dispose()
    {
        // Closing a netlink socket does not wake a thread blocked on it: the loop waits on the stop signal as well.
        _disposed = true;
        _stop.Set();
        if ((_thread.ThreadState & ThreadState.Unstarted) == 0)
        {
            _thread.Join(TimeSpan.FromSeconds(2));
        }
        _socket.Dispose();
        _stop.Dispose();
    }

    private void Listen()
    {
        byte[] buffer = new byte[16384];
        while (!_disposed)
        {
            int length;
            try
            {
                if (!_stop.WaitReadable(_socket.SafeHandle))
                {
                    continue; // stopped: the loop condition ends it
                }

                length = ReceiveFromKernel(buffer);
            }
            catch (SocketException) when (!_disposed)
            {
                // ENOBUFS after a burst: later events carry the state again, or the owner reads it afresh.
                try
                {
                    _overflowed?.Invoke();
                }
#pragma warning disable CA1031 // a failing owner must not stop the subscription
                catch (Exception)
#pragma warning restore CA1031
                {
                }

                continue;
            }
            catch (Exception) when (_disposed)
            {
                return;
            }

            if (length == NotFromKernelDatagram)
            {
                Interlocked.Increment(ref _notFromKernel);
                continue;
            }

            if (length == NothingRead)
            {
                continue;
            }

            var reader = new NetlinkMessageReader(buffer.AsSpan(0, length));
            while (reader.TryRead(out ushort type, out ReadOnlySpan<byte> payload))
            {
                try
                {
                    _delivered++; // the listening thread's alone
                    _handler(type, payload);
                }
#pragma warning disable CA1031 // a failing handler must not stop the subscription
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }
    }

    // The datagram's length; NotFromKernelDatagram when its sender is not the kernel, whose word alone event readers may
    // act on (the process monitor would count a forged exit; the watchers would restore or give up an address);
    // NothingRead on EINTR or EAGAIN. Other errors (ENOBUFS) throw, as Socket.Receive did.
    private int ReceiveFromKernel(byte[] buffer)
    {
        bool added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            SocketAddressNetlink sender = default;
            socklen_t senderLength = sizeof(SocketAddressNetlink);
            fixed (byte* data = buffer)
            {
                int length = (int)LibC.recvfrom((int)_socket.SafeHandle.DangerousGetHandle(), data, buffer.Length, 0, (sockaddr*)&sender, &senderLength);
                if (length >= 0)
                {
                    return sender.PortId == 0 ? length : NotFromKernelDatagram;
                }
            }

            int errno = Errno.Last;
            return errno is EINTR or EAGAIN ? NothingRead : throw new SocketException(errno);
        }
        finally
        {
            if (added)
            {
                _socket.SafeHandle.DangerousRelease();
            }
        }
    }

    private struct SocketAddressNetlink
    {
        public ushort Family;
        public ushort Padding;
        public uint PortId;
        public uint Groups;
    }
}

/// <summary>One classic BPF instruction (struct sock_filter).</summary>
/// <param name="Code">The operation.</param>
/// <param name="JumpIfTrue">Instructions skipped when a comparison holds.</param>
/// <param name="JumpIfFalse">Instructions skipped when it does not.</param>
/// <param name="Constant">The operand.</param>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
internal readonly record struct SocketFilterInstruction(ushort Code, byte JumpIfTrue, byte JumpIfFalse, uint Constant);

// struct sock_fprog: u16 length, then (aligned) the instructions' address.
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
internal unsafe struct SocketFilterProgram
{
    public ushort Length;
    public SocketFilterInstruction* Instructions;
}
