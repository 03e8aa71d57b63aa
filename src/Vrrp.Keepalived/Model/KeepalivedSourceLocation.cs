using System.Globalization;

namespace Vrrp.Keepalived;

/// <summary>Where a section starts in the configuration text.</summary>
/// <param name="File">The file.</param>
/// <param name="Line">The 1-based line; 0 for a model that was not read from text.</param>
public readonly record struct KeepalivedSourceLocation(string? File, int Line)
{
    /// <summary>Formats as <c>file:line</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}");
}
