using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using Tmds.Linux;
using Vrrp.Health;

namespace Vrrp.Keepalived.Checks;

/// <summary>
/// keepalived's <c>enable_script_security</c>: a script that would run as root (its <c>user</c> or <c>script_user</c>
/// is root, or none is given and vrrpd runs as root; or the file is set-user-ID or set-group-ID root) must not be
/// changeable by anyone but root. The file and every directory on its path must be owned by root and writable by
/// neither a group other than root's nor everyone; a directory with the sticky bit (such as <c>/tmp</c>) may be
/// writable, as its files can only be replaced by their owners. keepalived checks the program the command starts
/// (its first word, looked up in the system's directories only when it has no '/', as it will be run). Symbolic links
/// are resolved along the whole path: the directories on the path as written (whoever may replace a link there) and
/// every directory on the path the links lead to are checked.
/// </summary>
[SupportedOSPlatform("linux")]
public static unsafe class ScriptSecurity
{
    // st_mode bits (sys/stat.h), in octal: S_IFMT 0170000, S_IFREG 0100000, S_ISUID 04000, S_ISGID 02000,
    // S_ISVTX 01000, S_IXUSR 0100, S_IWGRP 020, S_IXGRP 010, S_IWOTH 02.
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;
    private const int SetUserId = 0x800;
    private const int SetGroupId = 0x400;
    private const int Sticky = 0x200;
    private const int UserExecute = 0x40;
    private const int GroupWrite = 0x10;
    private const int GroupExecute = 0x8;
    private const int OtherWrite = 0x2;

    /// <summary>Tells why running <paramref name="command"/> as <paramref name="user"/> is not safe, or returns <see langword="null"/> when it is.</summary>
    /// <param name="command">The command line, as keepalived's <c>script</c> or <c>notify</c> gives it.</param>
    /// <param name="user">keepalived's <c>USER [GROUP]</c>; <see langword="null"/> to run as vrrpd itself.</param>
    /// <returns>The reason, naming the path at fault, or <see langword="null"/>.</returns>
    public static string? FindUnsafe(string command, string? user)
    {
        IReadOnlyList<string> words = ScriptCommandLine.Split(command);
        if (words.Count == 0)
        {
            return null;
        }

        string? file = Resolve(words[0]);
        if (file is null || !TryStat(file, out Status status))
        {
            return $"'{words[0]}' cannot be found";
        }

        if (!RunsAsRoot(user) && !IsSetIdRoot(status))
        {
            return null; // it cannot do more than its own user may
        }

        var links = new List<string>();
        if (CanonicalPath(file, links) is not { } real)
        {
            return $"'{file}' cannot be resolved (a link loop, a link that leads nowhere, or one that cannot be read)";
        }

        // The path as written, the folder of every link met on the way (whoever may write there may repoint the link),
        // and the path the links lead to.
        string? found = FindUnsafeComponent(file);
        foreach (string link in links)
        {
            found ??= FindUnsafeComponent(Path.GetDirectoryName(link) ?? "/");
        }

        return found ?? (real == file ? null : FindUnsafeComponent(real));
    }

    // Each directory on the path, and the file, must be root's and writable by root alone (a sticky directory may be
    // writable: its files are replaceable by their owners only).
    private static string? FindUnsafeComponent(string file)
    {
        for (int i = 0; i <= file.Length; i++)
        {
            if (i < file.Length && file[i] != '/')
            {
                continue;
            }

            if (i > 0 && file[i - 1] == '/')
            {
                continue; // "//": the same directory again
            }

            string part = i == 0 ? "/" : file[..i];
            if (!TryStat(part, out Status component))
            {
                return $"'{part}' cannot be read";
            }

            if (component.Uid != 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"'{part}' is owned by uid {component.Uid}, not root");
            }

            bool guarded = (component.Mode & Sticky) != 0 && (component.Mode & TypeMask) != Regular;
            if (!guarded && (component.Mode & OtherWrite) != 0)
            {
                return $"'{part}' is writable by everyone";
            }

            if (!guarded && component.Gid != 0 && (component.Mode & GroupWrite) != 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"'{part}' is writable by group {component.Gid}");
            }
        }

        return null;
    }

    // The path with every symbolic link resolved, as realpath(3) gives it; null for a loop or a dangling link.
    private static string? CanonicalPath(string path, List<string> links)
    {
        var pending = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = new List<string>();
        int hops = 0;
        while (pending.TryPop(out string? part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            string candidate = "/" + string.Join('/', resolved.Append(part));
            string? target;
            try
            {
                target = new FileInfo(candidate).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            if (target is null)
            {
                resolved.Add(part);
                continue;
            }

            links.Add(candidate);

            if (++hops > 40) // Linux's MAXSYMLINKS
            {
                return null;
            }

            foreach (string next in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(next);
            }

            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }
        }

        return "/" + string.Join('/', resolved);
    }

    // keepalived's path search for a bare program name: the first regular file in PATH.
    // The file the check will run: the same lookup as CommandHealthCheck's.
    private static string? Resolve(string program) => SafeProgramPath.Resolve(program);

    private static bool IsSetIdRoot(Status status) =>
        (status.Uid == 0 && (status.Mode & SetUserId) != 0 && (status.Mode & UserExecute) != 0)
        || (status.Gid == 0 && (status.Mode & SetGroupId) != 0 && (status.Mode & GroupExecute) != 0);

    // A script runs as its user (and group, else the user's own), or as vrrpd. One that cannot be resolved counts as root.
    private static bool RunsAsRoot(string? user)
    {
        if (user is null)
        {
            return Environment.IsPrivilegedProcess;
        }

        string[] names = user.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0 || Lookup("/etc/passwd", names[0]) is not { } account)
        {
            return true;
        }

        long gid = account.Gid;
        if (names.Length > 1)
        {
            if (Lookup("/etc/group", names[1]) is not { } group)
            {
                return true;
            }

            gid = group.Id;
        }

        return account.Id == 0 || gid == 0;
    }

    // name:password:id:gid:... in /etc/passwd, name:password:id:... in /etc/group; a number stands for itself.
    private static (long Id, long Gid)? Lookup(string database, string name)
    {
        if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            return (number, number);
        }

        try
        {
            foreach (string line in File.ReadLines(database))
            {
                string[] fields = line.Split(':');
                if (fields.Length >= 3 && fields[0] == name && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out long id))
                {
                    long gid = fields.Length >= 4 && long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out long g) ? g : id;
                    return (id, gid);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static bool TryStat(string path, out Status status)
    {
        stat buffer;
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            if (LibC.stat(p, &buffer) != 0)
            {
                status = default;
                return false;
            }
        }

        status = new Status((long)buffer.st_uid, (long)buffer.st_gid, (int)buffer.st_mode);
        return true;
    }

    private readonly record struct Status(long Uid, long Gid, int Mode);
}
