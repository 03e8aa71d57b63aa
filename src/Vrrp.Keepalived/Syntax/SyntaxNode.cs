namespace Vrrp.Keepalived.Syntax;

/// <summary>One statement: a keyword, the words after it on its line, and its <c>{ }</c> block if it has one.</summary>
internal sealed class SyntaxNode(Token keyword, IReadOnlyList<Token> arguments, IReadOnlyList<SyntaxNode>? block)
{
    public Token Keyword { get; } = keyword;

    public string Name => Keyword.Text;

    public IReadOnlyList<Token> Arguments { get; } = arguments;

    public IReadOnlyList<SyntaxNode>? Block { get; } = block;
}
