namespace Vrrp.Linux.Processes;

/// <summary>How a tracked process's parameters are compared (keepalived's <c>param_match</c>).</summary>
public enum ParameterMatch
{
    /// <summary>Parameters are not compared: the name alone decides.</summary>
    None,

    /// <summary>The process has exactly the parameters given (none, when none are given).</summary>
    Exact,

    /// <summary>The process's first parameters are those given; it may have more.</summary>
    Partial,

    /// <summary>As <see cref="Partial"/>, and the last one given may be the start of the process's parameter.</summary>
    Initial,
}

/// <summary>
/// Which processes count (keepalived's <c>vrrp_track_process</c> <c>process</c>, <c>param_match</c> and
/// <c>full_command</c>): an exact name, never a pattern. By default the name is compared with the process's name
/// (<c>/proc/PID/stat</c>'s comm, at most 15 bytes); with <see cref="FullCommand"/>, or any parameters, with its
/// command line's first word, and the parameters with the words after it.
/// </summary>
public sealed class ProcessMatch
{
    private readonly string[] _parameters;

    /// <summary>Initializes a match.</summary>
    /// <param name="name">The name, or with <paramref name="fullCommand"/> the command as the command line's first word has it.</param>
    /// <param name="parameters">The parameters; with any, the command line is compared and <see cref="ParameterMatch.None"/> means exact.</param>
    /// <param name="parameterMatch">How parameters are compared.</param>
    /// <param name="fullCommand">Whether the command line is compared rather than the process name.</param>
    /// <exception cref="ArgumentException">The name is empty, or holds a NUL.</exception>
    public ProcessMatch(string name, IReadOnlyList<string>? parameters = null, ParameterMatch parameterMatch = ParameterMatch.None, bool fullCommand = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('\0', StringComparison.Ordinal) || parameters?.Any(static p => p.Contains('\0', StringComparison.Ordinal)) == true)
        {
            throw new ArgumentException("A process name or parameter cannot hold a NUL.", nameof(name));
        }

        Name = name;
        _parameters = parameters is null ? [] : [.. parameters];

        // As keepalived: parameters or a parameter match compare the command line; parameters alone match exactly.
        ParameterMatch = _parameters.Length > 0 && parameterMatch == ParameterMatch.None ? ParameterMatch.Exact : parameterMatch;
        FullCommand = fullCommand || _parameters.Length > 0 || ParameterMatch != ParameterMatch.None;
    }

    /// <summary>Gets the name or command.</summary>
    public string Name { get; }

    /// <summary>Gets the parameters.</summary>
    public IReadOnlyList<string> Parameters => _parameters;

    /// <summary>Gets how parameters are compared.</summary>
    public ParameterMatch ParameterMatch { get; }

    /// <summary>Gets a value indicating whether the command line is compared rather than the process name.</summary>
    public bool FullCommand { get; }

    /// <summary>Tells whether a process counts.</summary>
    /// <param name="comm">Its name (comm).</param>
    /// <param name="commandLine">Its command line's words (from <c>/proc/PID/cmdline</c>); needed only when <see cref="FullCommand"/>.</param>
    /// <returns>True when it counts.</returns>
    public bool Matches(string comm, IReadOnlyList<string> commandLine)
    {
        ArgumentNullException.ThrowIfNull(comm);
        ArgumentNullException.ThrowIfNull(commandLine);
        if (!FullCommand)
        {
            return string.Equals(comm, Name, StringComparison.Ordinal);
        }

        if (commandLine.Count == 0 || !string.Equals(commandLine[0], Name, StringComparison.Ordinal))
        {
            return false;
        }

        int given = _parameters.Length;
        int actual = commandLine.Count - 1;
        switch (ParameterMatch)
        {
            case ParameterMatch.None:
                return true;
            case ParameterMatch.Exact:
                return actual == given && SameFirst(commandLine, given);
            case ParameterMatch.Partial:
                return actual >= given && SameFirst(commandLine, given);
            default: // Initial: the last one given may be the start of the process's
                if (given == 0)
                {
                    return true;
                }

                return actual >= given && SameFirst(commandLine, given - 1)
                    && commandLine[given].StartsWith(_parameters[given - 1], StringComparison.Ordinal);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => _parameters.Length == 0 ? Name : $"{Name} {string.Join(' ', _parameters)}";

    private bool SameFirst(IReadOnlyList<string> commandLine, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (!string.Equals(commandLine[i + 1], _parameters[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
