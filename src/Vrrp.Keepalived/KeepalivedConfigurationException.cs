namespace Vrrp.Keepalived;

/// <summary>The configuration is invalid: <see cref="Errors"/> lists every error as <c>file:line: message</c>.</summary>
public sealed class KeepalivedConfigurationException : Exception
{
    /// <summary>Initializes an exception with no errors listed.</summary>
    public KeepalivedConfigurationException()
        : this("Invalid keepalived configuration.")
    {
    }

    /// <summary>Initializes an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public KeepalivedConfigurationException(string message)
        : base(message)
    {
        Errors = [];
        Warnings = [];
    }

    /// <summary>Initializes an exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public KeepalivedConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
        Warnings = [];
    }

    /// <summary>Initializes an exception listing errors and the warnings found with them.</summary>
    /// <param name="errors">The errors.</param>
    /// <param name="warnings">The warnings.</param>
    public KeepalivedConfigurationException(IReadOnlyList<KeepalivedDiagnostic> errors, IReadOnlyList<KeepalivedDiagnostic> warnings)
        : base(Format(errors))
    {
        Errors = errors ?? [];
        Warnings = warnings ?? [];
    }

    /// <summary>Gets the errors, in file order.</summary>
    public IReadOnlyList<KeepalivedDiagnostic> Errors { get; }

    /// <summary>Gets the warnings found while reading.</summary>
    public IReadOnlyList<KeepalivedDiagnostic> Warnings { get; }

    private static string Format(IReadOnlyList<KeepalivedDiagnostic>? errors) =>
        "Invalid keepalived configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors ?? []);
}
