using System.Text;

namespace Vrrp.Keepalived.Syntax;

/// <summary>
/// Turns configuration text into tokens as keepalived reads it: one line at a time, <c>$NAME=value</c> definitions and
/// their substitution, <c>#</c> and <c>!</c> comments anywhere outside quotes, <c>"</c> and <c>'</c> quoting with
/// backslash escapes, braces as tokens of their own, and <c>include</c> spliced in place.
/// </summary>
internal sealed class KeepalivedLexer
{
    /// <summary>keepalived stops following includes deeper than this.</summary>
    public const int MaxIncludeDepth = 32;

    /// <summary>The most inclusions one configuration makes (a file included twice counts twice): beyond, includes are refused.</summary>
    public const int MaxFiles = 1000;

    /// <summary>The most characters one configuration reads, all files together.</summary>
    public const int MaxTotalCharacters = 16 * 1024 * 1024;

    // Substitution is recursive, so definitions can double a line per level: a cap keeps hostile input from exhausting memory.
    private const int MaxSubstitutedLength = 64 * 1024;
    private const int MaxSubstitutions = 1024;
    private const int MaxNameLength = 256;

    private readonly IKeepalivedFileSystem _fileSystem;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, string> _parameters = new(StringComparer.Ordinal);
    private readonly List<string> _includeStack = [];
    private readonly List<string> _identityStack = []; // the files being read, by device and inode: a cycle however reached
    private int _inclusions;
    private long _characters;
    private readonly StringBuilder _word = new();
    private readonly List<(string Text, TokenKind Kind, bool Quoted)> _lineTokens = [];

    public KeepalivedLexer(IKeepalivedFileSystem fileSystem, DiagnosticBag diagnostics)
    {
        _fileSystem = fileSystem;
        _diagnostics = diagnostics;
    }

    public List<Token> Tokens { get; } = [];

    public void LexText(string file, string text)
    {
        if (_includeStack.Count == 0)
        {
            _characters += text.Length;
        }

        _includeStack.Add(file);
        _identityStack.Add(Identify(file));
        int lineNumber = 0;
        int start = 0;
        while (start <= text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                end = text.Length;
            }

            lineNumber++;
            int length = end - start;
            if (length > 0 && text[end - 1] == '\r')
            {
                length--;
            }

            LexLine(file, lineNumber, text.Substring(start, length));
            start = end + 1;
        }

        _includeStack.RemoveAt(_includeStack.Count - 1);
        _identityStack.RemoveAt(_identityStack.Count - 1);
    }

    private void LexLine(string file, int lineNumber, string line)
    {
        ReadOnlySpan<char> trimmed = line.AsSpan().TrimStart();
        if (trimmed.IsEmpty)
        {
            return;
        }

        if (trimmed[0] == '@')
        {
            _diagnostics.Warning(file, lineNumber, "conditional configuration ('@ID ...') is not supported here; line ignored");
            return;
        }

        if (trimmed[0] == '$' && TryDefine(trimmed[1..]))
        {
            return;
        }

        if (_parameters.Count > 0 && line.Contains('$', StringComparison.Ordinal))
        {
            string? substituted = Substitute(line);
            if (substituted is null)
            {
                _diagnostics.Error(file, lineNumber, $"parameter substitution does not end (more than {MaxSubstitutions} substitutions or {MaxSubstitutedLength} characters); check the $NAME definitions");
                return;
            }

            line = substituted;
        }

        Split(file, lineNumber, line);
        if (_lineTokens.Count == 0)
        {
            return;
        }

        (string first, TokenKind firstKind, bool firstQuoted) = _lineTokens[0];
        if (firstKind == TokenKind.Word && !firstQuoted && first is "include" or "includer" or "includem" or "includew" or "includeb" or "includea")
        {
            Include(file, lineNumber, first);
            return;
        }

        foreach ((string text, TokenKind kind, bool quoted) in _lineTokens)
        {
            Tokens.Add(new Token(kind, text, file, lineNumber, quoted));
        }

        Tokens.Add(new Token(TokenKind.EndOfLine, string.Empty, file, lineNumber));
    }

    private bool TryDefine(ReadOnlySpan<char> definition)
    {
        int length = ParameterNameLength(definition);
        if (length == 0 || length >= definition.Length || definition[length] != '=')
        {
            return false;
        }

        _parameters[definition[..length].ToString()] = definition[(length + 1)..].Trim().ToString();
        return true;
    }

    private static int ParameterNameLength(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !(char.IsAsciiLetter(text[0]) || text[0] == '_'))
        {
            return 0;
        }

        int i = 1;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        return i;
    }

    // keepalived replaces $NAME followed by whitespace (or the end of the line) and ${NAME}; undefined names stay as
    // written. Replacement text is scanned again, so a value may use other parameters.
    private string? Substitute(string line)
    {
        var text = new StringBuilder(line);
        int substitutions = 0;
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] != '$')
            {
                i++;
                continue;
            }

            bool braced = i + 1 < text.Length && text[i + 1] == '{';
            int nameStart = i + (braced ? 2 : 1);
            string rest = text.ToString(nameStart, Math.Min(MaxNameLength, text.Length - nameStart));
            int nameLength = ParameterNameLength(rest);
            int end = nameStart + nameLength;
            bool delimited = braced ? end < text.Length && text[end] == '}' : end == text.Length || char.IsWhiteSpace(text[end]);
            if (nameLength == 0 || !delimited || !_parameters.TryGetValue(rest[..nameLength], out string? value))
            {
                i++;
                continue;
            }

            if (++substitutions > MaxSubstitutions || text.Length + value.Length > MaxSubstitutedLength)
            {
                return null;
            }

            text.Remove(i, end - i + (braced ? 1 : 0));
            text.Insert(i, value);
        }

        return text.ToString();
    }

    private void Split(string file, int lineNumber, string line)
    {
        _lineTokens.Clear();
        int i = 0;
        while (i < line.Length)
        {
            char c = line[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c is '#' or '!')
            {
                return;
            }

            if (c is '{' or '}')
            {
                _lineTokens.Add((c.ToString(), c == '{' ? TokenKind.Open : TokenKind.Close, false));
                i++;
                continue;
            }

            _word.Clear();
            bool quoted = false;
            while (i < line.Length)
            {
                c = line[i];
                if (c is '"' or '\'')
                {
                    quoted = true;
                    i = ReadQuoted(file, lineNumber, line, i);
                    continue;
                }

                if (char.IsWhiteSpace(c) || c is '{' or '}' or '#' or '!')
                {
                    break;
                }

                _word.Append(c);
                i++;
            }

            _lineTokens.Add((_word.ToString(), TokenKind.Word, quoted));
        }
    }

    // Reads a quoted part into _word and returns the index after its closing quote.
    private int ReadQuoted(string file, int lineNumber, string line, int open)
    {
        char quote = line[open];
        int i = open + 1;
        while (i < line.Length && line[i] != quote)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                i++;
                _word.Append(line[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'a' => '\a',
                    'b' => '\b',
                    'f' => '\f',
                    'v' => '\v',
                    'E' => '\u001b',
                    char other => other,
                });
            }
            else
            {
                _word.Append(line[i]);
            }

            i++;
        }

        if (i >= line.Length)
        {
            _diagnostics.Error(file, lineNumber, $"the quoted string opened with {quote} is not closed on this line");
            return line.Length;
        }

        return i + 1;
    }

    private void Include(string file, int lineNumber, string keyword)
    {
        if (_lineTokens.Count < 2 || _lineTokens[1].Kind != TokenKind.Word || _lineTokens[1].Text.Length == 0)
        {
            _diagnostics.Error(file, lineNumber, $"{keyword} needs a file name or pattern");
            return;
        }

        if (_lineTokens.Count > 2)
        {
            _diagnostics.Warning(file, lineNumber, $"{keyword} takes one file name or pattern; the rest of the line is ignored");
        }

        string pattern = ResolvePath(file, _lineTokens[1].Text);
        IReadOnlyList<string> files;
        try
        {
            files = _fileSystem.ExpandPattern(pattern);
        }
        catch (Exception ex) when (IsFileError(ex))
        {
            _diagnostics.Error(file, lineNumber, $"{keyword} '{pattern}' cannot be expanded: {ex.Message}");
            return;
        }

        if (files.Count == 0)
        {
            _diagnostics.Warning(file, lineNumber, $"{keyword} '{pattern}' matches no file");
            return;
        }

        foreach (string included in files)
        {
            int cycleStart = _includeStack.IndexOf(included);
            if (cycleStart >= 0)
            {
                _diagnostics.Error(file, lineNumber, $"{keyword} '{included}' makes a cycle: {string.Join(" -> ", _includeStack.Skip(cycleStart))} -> {included}");
                continue;
            }

            if (_includeStack.Count > MaxIncludeDepth)
            {
                _diagnostics.Error(file, lineNumber, $"{keyword} '{included}' is nested more than {MaxIncludeDepth} includes deep");
                continue;
            }

            // A file on the include stack reached by another path (a link, '..') is a cycle too.
            int sameFile = _identityStack.IndexOf(Identify(included));
            if (sameFile >= 0)
            {
                _diagnostics.Error(file, lineNumber, $"{keyword} '{included}' makes a cycle: it is '{_includeStack[sameFile]}', which is being read");
                continue;
            }

            // keepalived splices an include in place, so one file may be included many times (a shared block in each
            // instance); the count of inclusions, not of files, bounds the work: nine files each including 'f*.conf'
            // would otherwise read them once per path, exponentially.
            if (++_inclusions > MaxFiles)
            {
                _diagnostics.Error(file, lineNumber, $"{keyword} '{included}' would be inclusion {_inclusions}: a configuration makes at most {MaxFiles} inclusions; it and the rest of this include are not read");
                return;
            }

            string text;
            try
            {
                text = _fileSystem.ReadAllText(included);
            }
            catch (Exception ex) when (IsFileError(ex))
            {
                _diagnostics.Error(file, lineNumber, $"{keyword} '{included}' cannot be read: {ex.Message}");
                continue;
            }

            if (_characters + text.Length > MaxTotalCharacters)
            {
                _diagnostics.Error(file, lineNumber, $"{keyword} '{included}' would take the configuration past {MaxTotalCharacters} characters in all; it and the rest are not read");
                return;
            }

            _characters += text.Length;
            LexText(included, text);
        }
    }

    private string Identify(string path)
    {
        try
        {
            return _fileSystem.GetFileIdentity(path);
        }
        catch (Exception ex) when (IsFileError(ex))
        {
            return path;
        }
    }

    internal static bool IsFileError(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or System.Security.SecurityException;

    // An included path is relative to the directory of the file that includes it, as keepalived changes directory to it.
    internal static string ResolvePath(string includingFile, string path)
    {
        if (!path.StartsWith('/'))
        {
            int slash = includingFile.LastIndexOf('/');
            if (slash >= 0)
            {
                path = includingFile[..(slash + 1)] + path;
            }
        }

        return NormalizePath(path);
    }

    // Collapses "." and ".." so that one file reached two ways is one file in the cycle check.
    private static string NormalizePath(string path)
    {
        bool rooted = path.StartsWith('/');
        var segments = new List<string>();
        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == ".." && segments.Count > 0 && segments[^1] != "..")
            {
                segments.RemoveAt(segments.Count - 1);
            }
            else if (segment != ".." || !rooted)
            {
                segments.Add(segment);
            }
        }

        return (rooted ? "/" : string.Empty) + string.Join('/', segments);
    }
}
