using Vrrp.Health;
using Vrrp.Keepalived.Checks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets routers' <c>Checks</c> from configuration run commands, as keepalived's <c>vrrp_script</c>.</summary>
public static class CommandCheckBuilderExtensions
{
    /// <summary>
    /// Adds the <c>Command</c> check type: <c>{ "Type": "Command", "Target": "/usr/local/bin/check-db --quick" }</c> runs
    /// the program (an absolute path, or a name on a safe PATH; never the working directory) and is healthy when it
    /// exits 0, as a <c>vrrp_script</c>. A run past its timeout is killed with its whole process group.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="user">The user to run commands as (keepalived's <c>script_user</c>); <see langword="null"/> for this process's own. Running as root, set one.</param>
    /// <param name="group">The group to run commands as; <see langword="null"/> for the user's own.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">Command checks were added already with another user or group.</exception>
    public static IVrrpBuilder AddCommandChecks(this IVrrpBuilder builder, string? user = null, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (ServiceDescriptor descriptor in builder.Services)
        {
            if (descriptor.ServiceType == typeof(IVrrpCheckFactory) && descriptor.ImplementationInstance is CommandCheckFactory existing)
            {
                // A second call that asked for another user would otherwise be dropped without a word.
                return existing.User == user && existing.Group == group
                    ? builder
                    : throw new InvalidOperationException($"AddCommandChecks was called already with user '{existing.User}' and group '{existing.Group}'; commands run as one user.");
            }
        }

        builder.Services.AddSingleton<IVrrpCheckFactory>(new CommandCheckFactory(user, group));
        return builder;
    }
}
