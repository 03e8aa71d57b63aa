namespace Vrrp.Keepalived.Checks;

/// <summary>
/// Where a script's program is found: an absolute path as it is, and a bare name in the system's directories only,
/// never in vrrpd's working or program directory (which .NET's own lookup searches before PATH) nor in a PATH that
/// whoever started vrrpd chose.
/// </summary>
internal static class SafeProgramPath
{
    /// <summary>The directories a bare name is looked up in, in order: keepalived's default PATH.</summary>
    public const string Directories = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Returns the absolute path to run, or <see langword="null"/> when there is none (a relative path with a '/' is refused).</summary>
    public static string? Resolve(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return Path.IsPathFullyQualified(program) ? program : null;
        }

        foreach (string directory in Directories.Split(':'))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
