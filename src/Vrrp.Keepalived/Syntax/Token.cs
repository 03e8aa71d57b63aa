namespace Vrrp.Keepalived.Syntax;

internal enum TokenKind
{
    Word,
    Open,
    Close,
    EndOfLine,
}

/// <summary>A word, a brace or the end of a line, with the file and line it came from (after includes are spliced in); a quoted word is never read as a keyword.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, string File, int Line, bool Quoted = false);
