namespace Vrrp.Keepalived;

/// <summary>
/// The only way the reader touches files: reading one file and expanding an <c>include</c> pattern. Tests and fuzzers
/// pass <see cref="InMemoryKeepalivedFileSystem"/> so nothing reaches the disk.
/// </summary>
/// <remarks>
/// The reader turns <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>, <see cref="NotSupportedException"/>,
/// <see cref="ArgumentException"/> and <see cref="System.Security.SecurityException"/> from an implementation into
/// configuration errors at the <c>include</c> line; any other exception is a bug of the implementation and propagates.
/// </remarks>
public interface IKeepalivedFileSystem
{
    /// <summary>Reads a whole file.</summary>
    /// <param name="path">A full path, as returned by <see cref="ExpandPattern"/> or given to the reader.</param>
    /// <returns>The text.</returns>
    /// <exception cref="IOException">The file cannot be read; the reader reports it as a configuration error.</exception>
    string ReadAllText(string path);

    /// <summary>Lists the files a pattern matches (<c>*</c>, <c>?</c> and <c>[...]</c> in the file name part), in the order keepalived includes them (ordinal by path).</summary>
    /// <param name="pattern">A full path whose last segment may hold wildcards.</param>
    /// <returns>The full paths of the matching files; empty when none match.</returns>
    IReadOnlyList<string> ExpandPattern(string pattern);

    /// <summary>
    /// Returns what makes a file one file however it is reached (on disk, its device and inode): the reader reads each
    /// file once, so includes that reach one file many ways cannot multiply the work. By default the path itself.
    /// </summary>
    /// <param name="path">A full path.</param>
    /// <returns>The file's identity.</returns>
    string GetFileIdentity(string path) => path;
}
