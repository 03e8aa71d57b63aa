namespace Vrrp;

/// <summary>
/// Thrown when a router's configuration is invalid, wherever it is found: a constructor, <c>ApplyAsync</c>, or a host's
/// start (the one type for bad options). The message is one line listing every error with its field and allowed range.
/// </summary>
public sealed class VrrpConfigurationException : Exception
{
    /// <summary>Initializes an exception with no errors listed.</summary>
    public VrrpConfigurationException()
        : this([])
    {
    }

    /// <summary>Initializes an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public VrrpConfigurationException(string message)
        : this([message])
    {
    }

    /// <summary>Initializes an exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public VrrpConfigurationException(string message, Exception innerException)
        : base(message, innerException) => Errors = [message];

    /// <summary>Initializes an exception listing errors.</summary>
    /// <param name="errors">The errors, one per field.</param>
    public VrrpConfigurationException(IReadOnlyList<string> errors)
        : base("Invalid VRRP configuration: " + string.Join(" ", errors ?? [])) => Errors = errors ?? [];

    /// <summary>Gets the errors, one per field.</summary>
    public IReadOnlyList<string> Errors { get; }
}
