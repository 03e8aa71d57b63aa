using System.Globalization;

namespace Vrrp.Keepalived;

/// <summary>A warning or error about the configuration text, where keepalived would print it: file, line, message.</summary>
/// <param name="File">The file, as given to the reader or resolved from an <c>include</c>.</param>
/// <param name="Line">The 1-based line; 0 when the message is about the whole file.</param>
/// <param name="Message">What is wrong, naming the keyword and its allowed values.</param>
public sealed record KeepalivedDiagnostic(string File, int Line, string Message)
{
    /// <summary>Gets how <c>keepalived -t</c> counts this finding (a warning; errors always fail).</summary>
    public KeepalivedTestOutcome KeepalivedTest { get; init; }

    /// <summary>Formats as <c>file:line: message</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}: {Message}");
}
