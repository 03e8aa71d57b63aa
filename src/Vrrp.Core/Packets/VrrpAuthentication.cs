using System.Text;

namespace Vrrp.Packets;

/// <summary>
/// A VRRPv2 authentication method and its key, prepared once so that checking a packet allocates nothing.
/// </summary>
/// <remarks>
/// RFC 3768 removed authentication from VRRP; RFC 2338 defined it and keepalived still speaks both forms, so a
/// mixed cluster with keepalived configured for <c>auth_type PASS</c> or <c>auth_type AH</c> needs them.
/// Neither protects much: the password travels in clear text, and HMAC-MD5 is old.
/// </remarks>
public sealed class VrrpAuthentication
{
    /// <summary>The longest key: eight bytes, the size of the authentication data field.</summary>
    public const int MaxKeyLength = 8;

    private readonly byte[] _key;

    private VrrpAuthentication(VrrpAuthenticationType type, byte[] key)
    {
        Type = type;
        _key = key;
    }

    /// <summary>Gets the no-authentication method.</summary>
    public static VrrpAuthentication None { get; } = new(VrrpAuthenticationType.None, new byte[MaxKeyLength]);

    /// <summary>Gets the method.</summary>
    public VrrpAuthenticationType Type { get; }

    /// <summary>Gets the key, zero padded to eight bytes: the password on the wire, or the HMAC key for AH.</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>Creates a method with a password given as text (UTF-8, at most eight bytes), as keepalived's <c>auth_pass</c>.</summary>
    /// <param name="type"><see cref="VrrpAuthenticationType.SimplePassword"/> or <see cref="VrrpAuthenticationType.IPAuthenticationHeader"/>.</param>
    /// <param name="password">The password.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentException">The password is empty or longer than eight bytes.</exception>
    public static VrrpAuthentication Create(VrrpAuthenticationType type, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return Create(type, Encoding.UTF8.GetBytes(password));
    }

    /// <summary>Creates a method with a key of one to eight bytes.</summary>
    /// <param name="type">The method.</param>
    /// <param name="key">The key.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentException">The key is empty or longer than eight bytes, or the type is not defined.</exception>
    public static VrrpAuthentication Create(VrrpAuthenticationType type, ReadOnlySpan<byte> key)
    {
        if (type == VrrpAuthenticationType.None)
        {
            return None;
        }

        if (!Enum.IsDefined(type))
        {
            throw new ArgumentException($"Authentication type must be None, SimplePassword or IPAuthenticationHeader; got {(byte)type}.", nameof(type));
        }

        if (key.IsEmpty || key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"The authentication key must be 1 to {MaxKeyLength} bytes long; got {key.Length}.", nameof(key));
        }

        byte[] padded = new byte[MaxKeyLength];
        key.CopyTo(padded);
        return new VrrpAuthentication(type, padded);
    }
}
