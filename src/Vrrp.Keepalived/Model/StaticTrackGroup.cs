namespace Vrrp.Keepalived;

/// <summary>
/// The <c>track_group NAME</c> of a static route or rule: keepalived's word, kept in the entry's text so a written file
/// says what was read, and taken out before the entry goes to the kernel.
/// </summary>
internal static class StaticTrackGroup
{
    /// <summary>Returns <paramref name="entry"/> without its <c>track_group NAME</c>, and the name (null when none).</summary>
    public static string Without(string entry, out string? group)
    {
        group = null;
        string[] words = entry.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int at = Array.IndexOf(words, "track_group");
        if (at < 0 || at + 1 >= words.Length)
        {
            return entry;
        }

        group = words[at + 1];
        return string.Join(' ', words.Where((_, i) => i != at && i != at + 1));
    }
}
