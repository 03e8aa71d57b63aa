namespace Vrrp.Packets;

/// <summary>The VRRPv2 Auth Type field (RFC 2338 §5.3.6; reserved for compatibility by RFC 3768 §5.3.6).</summary>
public enum VrrpAuthenticationType : byte
{
    /// <summary>No authentication: the authentication data is zero on send and ignored on receive.</summary>
    None = 0,

    /// <summary>A clear-text password of up to eight bytes, zero padded, in the authentication data (keepalived's <c>auth_type PASS</c>).</summary>
    SimplePassword = 1,

    /// <summary>An IP Authentication Header (IP protocol 51, HMAC-MD5-96) between the IPv4 header and VRRP (keepalived's <c>auth_type AH</c>).</summary>
    IPAuthenticationHeader = 2,
}
