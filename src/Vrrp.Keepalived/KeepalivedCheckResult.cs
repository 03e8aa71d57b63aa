namespace Vrrp.Keepalived;

/// <summary>What <see cref="KeepalivedConfigurationReader.Check(string, IKeepalivedFileSystem?)"/> found, as <c>keepalived -t</c>: nothing is run.</summary>
/// <param name="Configuration">The configuration when there are no errors; otherwise <see langword="null"/>.</param>
/// <param name="Errors">Every error, <c>file:line: message</c>.</param>
/// <param name="Warnings">Every warning.</param>
public sealed record KeepalivedCheckResult(KeepalivedConfiguration? Configuration, IReadOnlyList<KeepalivedDiagnostic> Errors, IReadOnlyList<KeepalivedDiagnostic> Warnings)
{
    /// <summary>Gets a value indicating whether the configuration has no errors.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>
    /// Gets the exit code <c>keepalived -t</c> would give, as <c>vrrpd --check</c> gives it: 0 with nothing keepalived
    /// reports, 6 for a security violation, 5 for any other finding; 1 when vrrpd refuses the file (errors).
    /// </summary>
    public int KeepalivedTestExitCode =>
        Errors.Count > 0 ? 1
        : Warnings.Any(static w => w.KeepalivedTest == KeepalivedTestOutcome.SecurityViolation) ? 6
        : Warnings.Any(static w => w.KeepalivedTest == KeepalivedTestOutcome.Reported) ? 5
        : 0;
}
