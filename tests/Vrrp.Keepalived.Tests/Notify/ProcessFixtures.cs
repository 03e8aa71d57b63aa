using System.Diagnostics;

namespace Vrrp.Keepalived.Tests.Notify;

/// <summary>Temporary scripts and FIFOs for the real-process tests of notify scripts, the notify FIFO and the state file.</summary>
internal sealed class ProcessFixtures : IDisposable
{
    public ProcessFixtures() => Directory = System.IO.Directory.CreateTempSubdirectory("vrrp-notify-").FullName;

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Writes an executable /bin/sh script.</summary>
    public string Script(string name, string body)
    {
        string path = PathOf(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("notify scripts and FIFOs are Unix features");
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    /// <summary>A script that appends its name and its arguments, each followed by '|', as one line of <paramref name="output"/>.</summary>
    public string Recorder(string name, string output) =>
        Script(name, $"printf '%s|' \"{name}\" \"$@\" >> '{output}'\necho >> '{output}'");

    public async Task<string> FifoAsync(string name, CancellationToken cancellationToken)
    {
        string path = PathOf(name);
        using Process mkfifo = Process.Start("mkfifo", [path]);
        await mkfifo.WaitForExitAsync(cancellationToken);
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
