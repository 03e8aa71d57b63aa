using System.Security.Cryptography;
using System.Text;

namespace VrrpDaemon;

/// <summary>
/// What a reload compares to tell whether a router or a check changed: the SHA-256 of its configuration text, in hex.
/// The plan is kept as long as the routers run; 64 characters per router instead of the text itself (a router's
/// options as JSON, over 1 KiB).
/// </summary>
internal static class Fingerprint
{
    /// <summary>Returns the fingerprint of a configuration text.</summary>
    public static string Of(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
