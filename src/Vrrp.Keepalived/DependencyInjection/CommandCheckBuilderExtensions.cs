using Microsoft.Extensions.DependencyInjection.Extensions;
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
    public static IVrrpBuilder AddCommandChecks(this IVrrpBuilder builder, string? user = null, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IVrrpCheckFactory>(new CommandCheckFactory(user, group)));
        return builder;
    }
}
