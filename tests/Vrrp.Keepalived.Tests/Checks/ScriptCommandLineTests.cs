using Vrrp.Health;
using Vrrp.Keepalived.Checks;

namespace Vrrp.Keepalived.Tests.Checks;

/// <summary>keepalived.conf(5) "Quoted strings": whitespace splits, quotes group and vanish, backslash escapes.</summary>
public sealed class ScriptCommandLineTests
{
    [Theory]
    [InlineData("/bin/check.sh", new[] { "/bin/check.sh" })]
    [InlineData("  /bin/check.sh   a  b ", new[] { "/bin/check.sh", "a", "b" })]
    [InlineData("/bin/check.sh 'an arg' other", new[] { "/bin/check.sh", "an arg", "other" })]
    [InlineData("abcd\" efg h jkl \"mnop", new[] { "abcd efg h jkl mnop" })]
    [InlineData("abcd \"efg h jkl\" mnop", new[] { "abcd", "efg h jkl", "mnop" })]
    [InlineData("x ' spaces\\\\x20f\\x69le '", new[] { "x", " spaces\\x20file " })]
    [InlineData("x '\\\"s p a c e \\\"'", new[] { "x", "\"s p a c e \"" })]
    [InlineData("x a\\ b \\101\\t\\cA", new[] { "x", "a b", "A\t\u0001" })]
    [InlineData("x ''", new[] { "x", "" })]
    public void Splits_as_keepalived(string script, string[] expected) => Assert.Equal(expected, ScriptCommandLine.Split(script));

    [Theory]
    [InlineData("/bin/check.sh 'open")]
    [InlineData("   ")]
    [InlineData("''")]
    public void Rejects_an_unclosed_quote_or_no_program(string script) => Assert.Throws<FormatException>(() => ScriptCommandLine.Split(script));
}
