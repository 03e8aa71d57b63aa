using System.Globalization;
using System.Net;

namespace Vrrp.Transport;

/// <summary>The configuration of a <see cref="UdpTransport"/>: where it listens and whom it hears.</summary>
public sealed class UdpTransportOptions
{
    /// <summary>The port used unless another is set: the number of RFC 9568's predecessor, RFC 5798.</summary>
    public const int DefaultPort = 5798;

    /// <summary>Gets or sets this node's IPv4 address: the socket binds to it, and it is the source every peer lists for this node.</summary>
    public string LocalAddress { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the UDP port of every node, 1 to 65535. Default <see cref="DefaultPort"/>.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Gets the other nodes' IPv4 addresses: the only sources heard, and where advertisements to the VRRP group go.</summary>
    public IList<string> Peers { get; } = new List<string>();

    /// <summary>
    /// Gets or sets the pre-shared key, the same on every node: at least 16 bytes of UTF-8 (use a long random text,
    /// such as <c>openssl rand -base64 32</c>). Each datagram then carries a counter and an HMAC-SHA256 over itself;
    /// one that fails it, or whose counter was seen, is dropped and counted. Never logged.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the transport may run without <see cref="Key"/>: then any host that can
    /// send to <see cref="Port"/> from a peer's address can make itself leader, or leave no leader at all. Off by
    /// default: a transport with neither refuses to start. When set, start logs a warning.
    /// </summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>The fewest bytes of <see cref="Key"/>.</summary>
    public const int MinimumKeyBytes = 16;

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"UdpTransport {LocalAddress}:{Port}, {Peers.Count} peer(s), {(Key is null ? "unauthenticated" : "authenticated")}");

    /// <summary>Lists every configuration error; empty when the options are valid.</summary>
    /// <returns>One message per error, naming the field and its allowed range.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        // IPv4 only: a VRRPv3 IPv6 checksum covers the IPv6 destination, which a UDP receiver is not told.
        bool local = IPAddress.TryParse(LocalAddress, out IPAddress? localAddress)
            && localAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && !localAddress.Equals(IPAddress.Any);
        if (!local)
        {
            errors.Add($"UdpTransport: LocalAddress must be this node's unicast IPv4 address (not 0.0.0.0; IPv6 is not supported yet); got '{LocalAddress}'.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"UdpTransport: Port must be 1 to 65535; got {Port}."));
        }

        if (Key is null && !AllowUnauthenticated)
        {
            errors.Add("UdpTransport: Key must be set: a pre-shared key of at least 16 bytes, the same on every node (each datagram then carries an HMAC-SHA256 and a counter); or set AllowUnauthenticated to run without, when any host that can reach the port may make itself leader.");
        }
        else if (Key is not null && System.Text.Encoding.UTF8.GetByteCount(Key) < MinimumKeyBytes)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"UdpTransport: Key must be at least {MinimumKeyBytes} bytes of UTF-8; got {System.Text.Encoding.UTF8.GetByteCount(Key)}."));
        }

        for (int i = 0; i < Peers.Count; i++)
        {
            if (!IPAddress.TryParse(Peers[i], out IPAddress? peer) || peer.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"UdpTransport: Peers[{i}] must be an IPv4 address; got '{Peers[i]}'."));
            }
        }

        return errors;
    }
}
