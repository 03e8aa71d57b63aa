namespace Vrrp.Keepalived.Syntax;

internal sealed class DiagnosticBag
{
    public List<KeepalivedDiagnostic> Errors { get; } = [];

    public List<KeepalivedDiagnostic> Warnings { get; } = [];

    public void Error(string file, int line, string message) => Errors.Add(new KeepalivedDiagnostic(file, line, message));

    public void Error(Token at, string message) => Error(at.File, at.Line, message);

    public void Warning(string file, int line, string message, KeepalivedTestOutcome test = KeepalivedTestOutcome.Reported) =>
        Warnings.Add(new KeepalivedDiagnostic(file, line, message) { KeepalivedTest = test });

    public void Warning(Token at, string message, KeepalivedTestOutcome test = KeepalivedTestOutcome.Reported) => Warning(at.File, at.Line, message, test);

    // A difference of vrrpd's own, which keepalived -t does not report.
    public void Difference(Token at, string message) => Warning(at.File, at.Line, message, KeepalivedTestOutcome.NotReported);
}
