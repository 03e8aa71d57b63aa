namespace Vrrp.Health;

/// <summary>
/// Healthy when an HTTP GET answers with an expected status code (by default any 2xx, as keepalived's
/// <c>HTTP_GET</c>); the body is not read.
/// </summary>
public sealed class HttpGetHealthCheck : IVrrpHealthCheck, IDisposable
{
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly int[]? _expected;

    /// <summary>Initializes a check of a URL.</summary>
    /// <param name="uri">An absolute http or https URL.</param>
    /// <param name="expectedStatusCodes">The status codes that mean healthy; null or empty for any 2xx.</param>
    /// <param name="client">The client to send with (from <c>IHttpClientFactory</c>, or with your handler); a new one, owned by this check, when null.</param>
    /// <exception cref="ArgumentException">The URL is not absolute http or https, or a status code is not 100 to 599.</exception>
    public HttpGetHealthCheck(Uri uri, IEnumerable<int>? expectedStatusCodes = null, HttpClient? client = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The URL must be absolute http or https; got '{uri}'.", nameof(uri));
        }

        int[] expected = expectedStatusCodes is null ? [] : [.. expectedStatusCodes];
        foreach (int code in expected)
        {
            if (code is < 100 or > 599)
            {
                throw new ArgumentException($"Expected status codes must be 100 to 599; got {code}.", nameof(expectedStatusCodes));
            }
        }

        Uri = uri;
        _expected = expected.Length == 0 ? null : expected;
        _ownsClient = client is null;
        _client = client ?? new HttpClient();
    }

    /// <summary>Gets the URL.</summary>
    public Uri Uri { get; }

    /// <summary>Gets the expected status codes; empty for any 2xx.</summary>
    public IReadOnlyList<int> ExpectedStatusCodes => _expected ?? [];

    /// <inheritdoc/>
    public async ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Uri);
            using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            int code = (int)response.StatusCode;
            bool healthy = _expected is null ? code is >= 200 and <= 299 : Array.IndexOf(_expected, code) >= 0;
            return healthy ? VrrpCheckResult.Success($"status {code}") : VrrpCheckResult.Failure($"status {code}");
        }
        catch (HttpRequestException exception)
        {
            return VrrpCheckResult.Failure($"GET {Uri} failed: {exception.Message}");
        }
    }

    /// <summary>Disposes the client if this check made it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }
}
