namespace Vrrp.Keepalived;

/// <summary>Reads configuration files from the disk.</summary>
public sealed class PhysicalKeepalivedFileSystem : IKeepalivedFileSystem
{
    /// <summary>Gets the shared instance.</summary>
    public static PhysicalKeepalivedFileSystem Instance { get; } = new();

    /// <inheritdoc/>
    public string ReadAllText(string path) => File.ReadAllText(path);

    /// <inheritdoc/>
    public IReadOnlyList<string> ExpandPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        string? directory = Path.GetDirectoryName(pattern);
        string name = Path.GetFileName(pattern);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return [];
        }

        if (!GlobPattern.HasWildcards(name))
        {
            return File.Exists(pattern) ? [pattern] : [];
        }

        var matches = new List<string>();
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            if (GlobPattern.IsMatch(name, Path.GetFileName(file)))
            {
                matches.Add(file);
            }
        }

        matches.Sort(StringComparer.Ordinal);
        return matches;
    }
}
