using Vrrp.Health;

namespace Vrrp.Keepalived.Checks;

/// <summary>Makes <c>Command</c> checks from configuration: the target is a command line, split as keepalived splits a <c>vrrp_script</c>'s <c>script</c>.</summary>
internal sealed class CommandCheckFactory(string? user, string? group) : IVrrpCheckFactory
{
    public IReadOnlyCollection<string> Types { get; } = ["Command"];

    public string? User { get; } = user;

    public string? Group { get; } = group;

    public IVrrpHealthCheck Create(VrrpCheckDefinition definition)
    {
        IReadOnlyList<string> arguments = ScriptCommandLine.Split(definition.Target);
        if (arguments.Count == 0 || string.IsNullOrWhiteSpace(arguments[0]))
        {
            throw new ArgumentException($"Target must be a command line whose first word names the program for a Command check; got '{definition.Target}'.");
        }

        return new CommandHealthCheck(arguments) { User = User, Group = Group };
    }
}
