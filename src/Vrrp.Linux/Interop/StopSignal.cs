#pragma warning disable CS8981, IDE1006, SA1300 // native declarations keep their C names (CONVENTIONS: interop naming)
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vrrp.Linux.Interop;

/// <summary>
/// Lets a receive thread block with no timeout and still stop at once: <see cref="WaitReadable"/> waits in
/// <c>poll(2)</c> on a socket and on an <c>eventfd(2)</c> that <see cref="Set"/> makes readable for good. Closing a
/// raw, packet or netlink socket does not wake a thread blocked on it, so the loops used to poll every 200 ms to see a
/// disposal flag: five wakeups a second per thread while idle. Now an idle loop sleeps in the kernel until a packet
/// comes or its owner stops. One signal serves every loop of an owner: the event is never read, so once set it wakes
/// every wait, present and future.
/// </summary>
internal sealed unsafe partial class StopSignal : IDisposable
{
    private const int EFD_CLOEXEC = 0x80000;
    private const int EFD_NONBLOCK = 0x800;
    private const short POLLIN = 0x001;
    private const short POLLERR = 0x008;
    private const short POLLHUP = 0x010;
    private const short POLLNVAL = 0x020;
    private const int EINTR = 4;

    private readonly SafeFileHandle _event;
    private volatile bool _set;

    /// <summary>Makes the event.</summary>
    /// <exception cref="IOException">eventfd failed (out of descriptors, say).</exception>
    public StopSignal()
    {
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
        {
            throw Errno.Failure("eventfd", Errno.Last);
        }

        _event = new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Gets whether <see cref="Set"/> was called.</summary>
    public bool IsSet => _set;

    /// <summary>Wakes every wait, now and later. Idempotent; safe from any thread, also after <see cref="Dispose"/>.</summary>
    public void Set()
    {
        _set = true;
        bool added = false;
        try
        {
            _event.DangerousAddRef(ref added);
            ulong one = 1;
            _ = write((int)_event.DangerousGetHandle(), &one, sizeof(ulong)); // EAGAIN only at 2^64 - 2: still readable
        }
        catch (ObjectDisposedException)
        {
            // disposed: nobody waits any more
        }
        finally
        {
            if (added)
            {
                _event.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Blocks until <paramref name="socket"/> has something to read (a datagram, or an error that the next receive
    /// reports) or the signal is set. Never throws for a socket or signal already disposed: it returns
    /// <see langword="false"/>, as when stopped.
    /// </summary>
    /// <param name="socket">The socket's handle.</param>
    /// <returns><see langword="true"/> when the socket is readable and the signal is not set.</returns>
    public bool WaitReadable(SafeHandle socket)
    {
        bool socketAdded = false;
        bool eventAdded = false;
        try
        {
            socket.DangerousAddRef(ref socketAdded);
            _event.DangerousAddRef(ref eventAdded);
            pollfd* fds = stackalloc pollfd[2];
            while (!_set)
            {
                fds[0] = new pollfd { fd = (int)socket.DangerousGetHandle(), events = POLLIN };
                fds[1] = new pollfd { fd = (int)_event.DangerousGetHandle(), events = POLLIN };
                int ready = poll(fds, 2, -1);
                if (ready < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EINTR)
                    {
                        continue;
                    }

                    return false; // cannot happen with both descriptors held open; never spin on it
                }

                if (fds[1].revents != 0 || _set)
                {
                    return false;
                }

                if ((fds[0].revents & POLLNVAL) != 0)
                {
                    return false;
                }

                if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0)
                {
                    return true;
                }
            }

            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (eventAdded)
            {
                _event.DangerousRelease();
            }

            if (socketAdded)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>Sets the signal (so no wait outlives it) and closes the event.</summary>
    public void Dispose()
    {
        Set();
        _event.Dispose();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(pollfd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nuint count);

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct pollfd
    {
        public int fd;
        public short events;
        public short revents;
    }
}
