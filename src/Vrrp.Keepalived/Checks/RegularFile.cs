using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace Vrrp.Keepalived.Checks;

/// <summary>
/// Opens a file that must be a regular file: without blocking (a FIFO planted at the path would wait for a writer for
/// ever), and for writing without following a symbolic link (root must not write a number into whatever a link
/// planted in <c>/tmp</c> points at).
/// </summary>
internal static unsafe class RegularFile
{
    private const uint TypeMask = 0xF000;
    private const uint Regular = 0x8000;

    /// <summary>Opens for reading; links are followed (reading through one is harmless), anything but a regular file is refused.</summary>
    /// <exception cref="IOException">The path is missing, not a regular file, or cannot be opened.</exception>
    public static SafeFileHandle OpenRead(string path) => Open(path, LibC.O_RDONLY);

    /// <summary>Opens for writing, creating the file (mode 0644) and emptying it; a link or anything but a regular file is refused.</summary>
    /// <exception cref="IOException">The path is a link, not a regular file, or cannot be opened.</exception>
    public static SafeFileHandle OpenWrite(string path)
    {
        SafeFileHandle handle = Open(path, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_NOFOLLOW);
        if (LibC.ftruncate((int)handle.DangerousGetHandle(), 0) != 0)
        {
            int errno = LibC.errno;
            handle.Dispose();
            throw new IOException($"{path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return handle;
    }

    private static SafeFileHandle Open(string path, int flags)
    {
        int fd;
        fixed (byte* name = Encoding.UTF8.GetBytes(path + "\0"))
        {
            fd = LibC.open(name, flags | LibC.O_NONBLOCK | LibC.O_CLOEXEC | LibC.O_NOCTTY, 420 /* 0644 */);
        }

        if (fd < 0)
        {
            int errno = LibC.errno;
            throw errno == LibC.ELOOP
                ? new IOException($"{path} is a symbolic link: not written through")
                : new IOException($"{path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        stat status;
        if (LibC.fstat(fd, &status) != 0 || ((uint)status.st_mode & TypeMask) != Regular)
        {
            handle.Dispose();
            throw new IOException($"{path} is not a regular file: not read or written");
        }

        return handle;
    }
}
