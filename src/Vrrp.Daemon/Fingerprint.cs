using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VrrpDaemon;

/// <summary>
/// What a reload compares to tell whether a router or a check changed: the first 128 bits of the SHA-256 of its
/// configuration text. Kept as long as the routers run, so 16 bytes per router instead of the text itself (a
/// router's options as JSON, over 1 KiB) or its hash in hex (a 64-character string).
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
