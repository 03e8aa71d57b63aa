using System.Globalization;
using System.Net;

namespace Vrrp.Transport;

/// <summary>The configuration of a <see cref="UdpTransport"/>: where it listens and whom it hears.</summary>
public sealed class UdpTransportOptions
{
    /// <summary>The port used unless another is set: the number of RFC 9568's predecessor, RFC 5798.</summary>
    public const int DefaultPort = 5798;

    /// <summary>Gets or sets this node's address: the socket binds to it, and it is the source every peer lists for this node.</summary>
    public string LocalAddress { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the UDP port of every node, 1 to 65535. Default <see cref="DefaultPort"/>.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Gets the other nodes' addresses, of <see cref="LocalAddress"/>'s family: the only sources heard, and where advertisements to the VRRP group go.</summary>
    public IList<string> Peers { get; } = new List<string>();

    /// <summary>Lists every configuration error; empty when the options are valid.</summary>
    /// <returns>One message per error, naming the field and its allowed range.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        bool local = IPAddress.TryParse(LocalAddress, out IPAddress? localAddress) && !localAddress.Equals(IPAddress.Any) && !localAddress.Equals(IPAddress.IPv6Any);
        if (!local)
        {
            errors.Add($"UdpTransport: LocalAddress must be this node's unicast IP address (not the any address); got '{LocalAddress}'.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"UdpTransport: Port must be 1 to 65535; got {Port}."));
        }

        for (int i = 0; i < Peers.Count; i++)
        {
            if (!IPAddress.TryParse(Peers[i], out IPAddress? peer) || (local && peer.AddressFamily != localAddress!.AddressFamily))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"UdpTransport: Peers[{i}] must be an IP address of LocalAddress's family; got '{Peers[i]}'."));
            }
        }

        return errors;
    }
}
