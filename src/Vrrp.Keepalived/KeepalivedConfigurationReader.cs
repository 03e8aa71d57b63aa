using Vrrp.Keepalived.Binding;
using Vrrp.Keepalived.Syntax;

namespace Vrrp.Keepalived;

/// <summary>
/// Reads the VRRP part of a keepalived configuration. <c>Load</c>/<c>Parse</c> return the model or throw
/// <see cref="KeepalivedConfigurationException"/> listing every error; <c>Check</c> reports without throwing, as
/// <c>keepalived -t</c>. Whatever the text, nothing else is thrown.
/// </summary>
public static class KeepalivedConfigurationReader
{
    /// <summary>Where keepalived looks for its configuration by default.</summary>
    public const string DefaultPath = "/etc/keepalived/keepalived.conf";

    /// <summary>Reads a configuration file and the files it includes.</summary>
    /// <param name="path">The file; relative <c>include</c> paths are relative to its directory.</param>
    /// <param name="fileSystem">Where files are read from; default the disk.</param>
    /// <returns>The configuration, with its warnings in <see cref="KeepalivedConfiguration.Warnings"/>.</returns>
    /// <exception cref="KeepalivedConfigurationException">The file cannot be read or the configuration has errors.</exception>
    public static KeepalivedConfiguration Load(string path, IKeepalivedFileSystem? fileSystem = null) => ThrowIfInvalid(Check(path, fileSystem));

    /// <summary>Reads configuration text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="fileName">The name used in messages, and the base of relative <c>include</c> paths.</param>
    /// <param name="fileSystem">Where included files are read from; default the disk. Pass an <see cref="InMemoryKeepalivedFileSystem"/> to keep the disk out.</param>
    /// <returns>The configuration, with its warnings in <see cref="KeepalivedConfiguration.Warnings"/>.</returns>
    /// <exception cref="KeepalivedConfigurationException">The configuration has errors.</exception>
    public static KeepalivedConfiguration Parse(string text, string fileName = "keepalived.conf", IKeepalivedFileSystem? fileSystem = null) =>
        ThrowIfInvalid(CheckText(text, fileName, fileSystem));

    /// <summary>Reads a configuration file and lists its errors and warnings without throwing and without running anything (<c>keepalived -t</c>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="fileSystem">Where files are read from; default the disk.</param>
    /// <returns>The configuration when valid, and every error and warning.</returns>
    public static KeepalivedCheckResult Check(string path, IKeepalivedFileSystem? fileSystem = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        fileSystem ??= PhysicalKeepalivedFileSystem.Instance;
        string text;
        try
        {
            text = fileSystem.ReadAllText(path);
        }
        catch (Exception ex) when (KeepalivedLexer.IsFileError(ex))
        {
            return new KeepalivedCheckResult(null, [new KeepalivedDiagnostic(path, 0, $"cannot be read: {ex.Message}")], []);
        }

        return CheckText(text, path, fileSystem);
    }

    /// <summary>Reads configuration text and lists its errors and warnings without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="fileName">The name used in messages, and the base of relative <c>include</c> paths.</param>
    /// <param name="fileSystem">Where included files are read from; default the disk.</param>
    /// <returns>The configuration when valid, and every error and warning.</returns>
    public static KeepalivedCheckResult CheckText(string text, string fileName = "keepalived.conf", IKeepalivedFileSystem? fileSystem = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var diagnostics = new DiagnosticBag();
        var lexer = new KeepalivedLexer(fileSystem ?? PhysicalKeepalivedFileSystem.Instance, diagnostics);
        lexer.LexText(fileName, text);
        List<SyntaxNode> statements = new KeepalivedSyntaxParser(lexer.Tokens, diagnostics).Parse();
        KeepalivedConfiguration configuration = new KeepalivedBinder(diagnostics).Bind(statements);
        return new KeepalivedCheckResult(diagnostics.Errors.Count == 0 ? configuration : null, [.. diagnostics.Errors], [.. diagnostics.Warnings]);
    }

    private static KeepalivedConfiguration ThrowIfInvalid(KeepalivedCheckResult result) =>
        result.Configuration ?? throw new KeepalivedConfigurationException(result.Errors, result.Warnings);
}
