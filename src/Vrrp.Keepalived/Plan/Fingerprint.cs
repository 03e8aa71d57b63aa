using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Vrrp.Keepalived.Plan;

/// <summary>
/// What a reload compares to tell whether a check changed: the first 128 bits of the SHA-256 of its
/// configuration text. Kept as long as the checks run, so 16 bytes per check instead of the text itself.
/// </summary>
internal static class Fingerprint
{
    /// <summary>Returns the fingerprint of a configuration text.</summary>
    public static UInt128 Of(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }
}
