namespace Vrrp.Keepalived;

/// <summary>Configuration files held in memory, keyed by full path: for tests, fuzzers and configuration that never lived on a disk.</summary>
public sealed class InMemoryKeepalivedFileSystem : IKeepalivedFileSystem
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    /// <summary>Adds or replaces a file.</summary>
    /// <param name="path">A full path, such as <c>/etc/keepalived/keepalived.conf</c>.</param>
    /// <param name="text">The file's text.</param>
    /// <returns>This instance, to add more.</returns>
    public InMemoryKeepalivedFileSystem Add(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        _files[path] = text;
        return this;
    }

    /// <inheritdoc/>
    public string ReadAllText(string path) =>
        path is not null && _files.TryGetValue(path, out string? text) ? text : throw new FileNotFoundException($"No such file: {path}", path);

    /// <inheritdoc/>
    public IReadOnlyList<string> ExpandPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        int slash = pattern.LastIndexOf('/');
        string directory = slash < 0 ? string.Empty : pattern[..(slash + 1)];
        string name = pattern[(slash + 1)..];
        var matches = new List<string>();
        foreach (string path in _files.Keys)
        {
            if (path.Length > directory.Length && path.StartsWith(directory, StringComparison.Ordinal) && path.IndexOf('/', directory.Length) < 0
                && GlobPattern.IsMatch(name, path[directory.Length..]))
            {
                matches.Add(path);
            }
        }

        matches.Sort(StringComparer.Ordinal);
        return matches;
    }
}
