namespace Vrrp.Transport;

/// <summary>What <see cref="UdpTransport.Admit"/> decided about one datagram.</summary>
internal enum UdpDatagramVerdict
{
    /// <summary>A listed peer's, from the port, authentic and new: handed to the dispatcher.</summary>
    Admitted,

    /// <summary>Not from a listed peer and the port, too short, or claiming another source inside.</summary>
    UnknownPeer,

    /// <summary>Its HMAC does not match the key, or it is too short to carry one.</summary>
    AuthenticationFailure,

    /// <summary>Authentic, with a counter used before or too far behind.</summary>
    Replay,
}
