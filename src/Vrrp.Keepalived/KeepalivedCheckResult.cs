namespace Vrrp.Keepalived;

/// <summary>What <see cref="KeepalivedConfigurationReader.Check(string, IKeepalivedFileSystem?)"/> found, as <c>keepalived -t</c>: nothing is run.</summary>
/// <param name="Configuration">The configuration when there are no errors; otherwise <see langword="null"/>.</param>
/// <param name="Errors">Every error, <c>file:line: message</c>.</param>
/// <param name="Warnings">Every warning.</param>
public sealed record KeepalivedCheckResult(KeepalivedConfiguration? Configuration, IReadOnlyList<KeepalivedDiagnostic> Errors, IReadOnlyList<KeepalivedDiagnostic> Warnings)
{
    /// <summary>Gets a value indicating whether the configuration has no errors.</summary>
    public bool IsValid => Errors.Count == 0;
}
