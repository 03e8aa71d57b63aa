namespace Vrrp.Keepalived.Syntax;

/// <summary>Groups tokens into statements and blocks: <c>{</c> may end the keyword's line, stand on the next line, or open a block that closes on the same line.</summary>
internal sealed class KeepalivedSyntaxParser
{
    /// <summary>Deeper blocks are reported and skipped, so nesting never exhausts the stack.</summary>
    public const int MaxDepth = 16;

    private readonly List<Token> _tokens;
    private readonly DiagnosticBag _diagnostics;
    private int _position;

    public KeepalivedSyntaxParser(List<Token> tokens, DiagnosticBag diagnostics)
    {
        _tokens = tokens;
        _diagnostics = diagnostics;
    }

    public List<SyntaxNode> Parse() => ParseStatements(0, null);

    private List<SyntaxNode> ParseStatements(int depth, Token? opener)
    {
        var statements = new List<SyntaxNode>();
        while (_position < _tokens.Count)
        {
            Token token = _tokens[_position];
            switch (token.Kind)
            {
                case TokenKind.EndOfLine:
                    _position++;
                    break;
                case TokenKind.Close:
                    _position++;
                    if (opener is not null)
                    {
                        return statements;
                    }

                    _diagnostics.Error(token, "unbalanced braces: '}' closes no open block");
                    break;
                case TokenKind.Open:
                    _diagnostics.Error(token, "'{' must follow a keyword");
                    _position++;
                    _ = OpenBlock(depth, token);
                    break;
                default:
                    statements.Add(ParseStatement(depth, token));
                    break;
            }
        }

        // keepalived closes what is open at the end of the file, with a warning ("There are 1 missing '}'s or extra
        // '{'s"), and runs the configuration.
        if (opener is { } open)
        {
            _diagnostics.Warning(open, "unbalanced braces: the block opened here has no closing '}': closed at the end of the file, as keepalived does");
        }

        return statements;
    }

    private SyntaxNode ParseStatement(int depth, Token keyword)
    {
        _position++;
        var arguments = new List<Token>();
        while (_position < _tokens.Count && _tokens[_position].Kind == TokenKind.Word)
        {
            arguments.Add(_tokens[_position++]);
        }

        int look = _position;
        while (look < _tokens.Count && _tokens[look].Kind == TokenKind.EndOfLine)
        {
            look++;
        }

        List<SyntaxNode>? block = null;
        if (look < _tokens.Count && _tokens[look].Kind == TokenKind.Open)
        {
            _position = look + 1;
            block = OpenBlock(depth, _tokens[look]);
        }

        return new SyntaxNode(keyword, arguments, block);
    }

    private List<SyntaxNode> OpenBlock(int depth, Token opener)
    {
        if (depth + 1 < MaxDepth)
        {
            return ParseStatements(depth + 1, opener);
        }

        _diagnostics.Error(opener, $"blocks are nested more than {MaxDepth} deep; this block is skipped");
        int nesting = 1;
        while (_position < _tokens.Count && nesting > 0)
        {
            nesting += _tokens[_position++].Kind switch
            {
                TokenKind.Open => 1,
                TokenKind.Close => -1,
                _ => 0,
            };
        }

        if (nesting > 0)
        {
            _diagnostics.Error(opener, "unbalanced braces: the block opened here has no closing '}'");
        }

        return [];
    }
}
