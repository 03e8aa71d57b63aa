using System.Globalization;
using System.Net;

namespace Vrrp.Health;

/// <summary>The platform-neutral checks configuration can name: Tcp (<c>host:port</c>), Http (a URL) and Ping (an address).</summary>
internal sealed class BuiltInCheckFactory : IVrrpCheckFactory
{
    public static BuiltInCheckFactory Instance { get; } = new();

    public IReadOnlyCollection<string> Types { get; } = ["Tcp", "Http", "Ping"];

    public IVrrpHealthCheck Create(VrrpCheckDefinition definition)
    {
        switch (definition.Type.ToUpperInvariant())
        {
            case "TCP":
                int colon = definition.Target.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(definition.Target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                {
                    throw new ArgumentException($"Target must be host:port with a port of 1 to 65535 for a Tcp check; got '{definition.Target}'.");
                }

                return new TcpConnectHealthCheck(definition.Target[..colon].Trim('[', ']'), port);
            case "HTTP":
                if (!Uri.TryCreate(definition.Target, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ArgumentException($"Target must be an absolute http or https URL for an Http check; got '{definition.Target}'.");
                }

                return new HttpGetHealthCheck(uri, definition.ExpectedStatusCodes.Count > 0 ? definition.ExpectedStatusCodes : null);
            case "PING":
                if (!IPAddress.TryParse(definition.Target, out IPAddress? address))
                {
                    throw new ArgumentException($"Target must be an IPv4 or IPv6 address for a Ping check; got '{definition.Target}'.");
                }

                return new PingHealthCheck(address);
            default:
                throw new ArgumentException($"Type must be one of {string.Join(", ", Types)}; got '{definition.Type}'.");
        }
    }
}
