namespace Vrrp.Keepalived.Syntax;

internal sealed class DiagnosticBag
{
    public List<KeepalivedDiagnostic> Errors { get; } = [];

    public List<KeepalivedDiagnostic> Warnings { get; } = [];

    public void Error(string file, int line, string message) => Errors.Add(new KeepalivedDiagnostic(file, line, message));

    public void Error(Token at, string message) => Error(at.File, at.Line, message);

    public void Warning(string file, int line, string message) => Warnings.Add(new KeepalivedDiagnostic(file, line, message));

    public void Warning(Token at, string message) => Warning(at.File, at.Line, message);
}
