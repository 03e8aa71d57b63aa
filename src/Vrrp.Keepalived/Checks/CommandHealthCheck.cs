using System.Diagnostics;
using Vrrp.Health;

namespace Vrrp.Keepalived.Checks;

/// <summary>
/// Runs a program, as keepalived runs a <c>vrrp_script</c>'s <c>script</c>: exit code 0 is healthy, anything else,
/// or a program that cannot start, is failing.
/// </summary>
/// <remarks>
/// The program runs without a shell, from an argument vector; <see cref="FromScript"/> takes keepalived's one-string
/// form. Its standard output and error are read and dropped as they come, so a chatty program never blocks on a full
/// pipe, and its standard input is closed. When the run is cancelled (the scheduler's timeout, or its stop), the whole
/// process tree is killed and the run ends; the scheduler has already counted the timeout as a failure.
/// </remarks>
public sealed class CommandHealthCheck : IVrrpHealthCheck
{
    private readonly string[] _arguments;

    /// <summary>Initializes a check that runs a program with arguments.</summary>
    /// <param name="arguments">The program (a path, or a name looked up on PATH) first, then its arguments.</param>
    /// <exception cref="ArgumentException">No program is given.</exception>
    public CommandHealthCheck(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        _arguments = [.. arguments];
        if (_arguments.Length == 0 || string.IsNullOrWhiteSpace(_arguments[0]))
        {
            throw new ArgumentException("The first argument must name the program to run.", nameof(arguments));
        }
    }

    /// <summary>Gets the program and its arguments.</summary>
    public IReadOnlyList<string> Arguments => _arguments;

    /// <summary>
    /// Gets the user to run as (keepalived's <c>user USERNAME</c>), or <see langword="null"/> for the current user.
    /// Linux only: the program runs under <c>runuser -u USER [-g GROUP] --</c>, which needs root.
    /// </summary>
    public string? User { get; init; }

    /// <summary>Gets the group to run as (keepalived's <c>user USERNAME GROUPNAME</c>); the user's own group when <see langword="null"/>.</summary>
    public string? Group { get; init; }

    /// <summary>Gets the working directory, or <see langword="null"/> for the current one.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Makes a check from keepalived's one-string script form, split as <see cref="ScriptCommandLine.Split"/> does.</summary>
    /// <param name="script">The script string, e.g. <c>/usr/local/bin/check.sh 'an argument' other</c>.</param>
    /// <returns>The check.</returns>
    /// <exception cref="FormatException">The string has an unclosed quote or no program.</exception>
    public static CommandHealthCheck FromScript(string script) => new(ScriptCommandLine.Split(script));

    /// <inheritdoc/>
    public async ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (SafeProgramPath.Resolve(_arguments[0]) is not { } program || (User is not null && SafeProgramPath.Resolve("runuser") is null))
        {
            return VrrpCheckResult.Failure($"{_arguments[0]} not found: an absolute path, or a name in {SafeProgramPath.Directories}");
        }

        if (!File.Exists(program))
        {
            // Checked here: through setsid a missing program would only show as exit code 127.
            return VrrpCheckResult.Failure($"{_arguments[0]} cannot start: no such file");
        }

        using var process = new Process { StartInfo = CreateStartInfo(program) };
        try
        {
            if (!process.Start())
            {
                return VrrpCheckResult.Failure($"{_arguments[0]} did not start");
            }
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return VrrpCheckResult.Failure($"{_arguments[0]} cannot start: {exception.Message}");
        }

        process.StandardInput.Close();
        Task output = DrainAsync(process.StandardOutput.BaseStream);
        Task error = DrainAsync(process.StandardError.BaseStream);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        // A child that outlives the program may hold the pipes open: do not wait for them past the exit.
        _ = output;
        _ = error;
        int code = process.ExitCode;
        return code == 0 ? VrrpCheckResult.Success("exit code 0") : VrrpCheckResult.Failure($"exit code {code}");
    }

    // The whole group (the script leads one of its own: ProcessGroupLeader), then what is left of the tree. No wait
    // for the exit here: SIGKILL cannot be ignored, and the runtime reaps the children it started.
    private static void Kill(Process process) => ProcessGroupLeader.Kill(process);

    private static async Task DrainAsync(Stream stream)
    {
        try
        {
            await stream.CopyToAsync(Stream.Null).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    // The program is run by its absolute path (SafeProgramPath), so neither .NET's lookup nor runuser's PATH chooses it.
    private ProcessStartInfo CreateStartInfo(string program)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        if (WorkingDirectory is not null)
        {
            start.WorkingDirectory = WorkingDirectory;
        }

        if (User is not null)
        {
            start.FileName = SafeProgramPath.Resolve("runuser")!;
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(User);
            if (Group is not null)
            {
                start.ArgumentList.Add("-g");
                start.ArgumentList.Add(Group);
            }

            start.ArgumentList.Add("--");
            start.ArgumentList.Add(program);
        }
        else
        {
            start.FileName = program;
        }

        for (int i = 1; i < _arguments.Length; i++)
        {
            start.ArgumentList.Add(_arguments[i]);
        }

        ProcessGroupLeader.Wrap(start);
        return start;
    }
}
