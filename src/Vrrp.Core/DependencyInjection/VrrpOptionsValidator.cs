using System.Net.Sockets;
using Vrrp.Transport;

namespace Vrrp.DependencyInjection;

/// <summary>Checks the routers at start: what configuration could not say, each router's own rules, and clashes between routers.</summary>
internal static class VrrpOptionsValidator
{
    /// <summary>Lists what configuration could not say, each router's own errors and clashes between routers.</summary>
    public static IReadOnlyList<string> Check(VrrpOptions options)
    {
        var errors = new List<string>(options.ConfigurationErrors);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var slots = new Dictionary<(string Interface, AddressFamily Family, int Vrid), int>();
        for (int i = 0; i < options.Routers.Count; i++)
        {
            VirtualRouterOptions router = options.Routers[i];
            IReadOnlyList<string> own = router.Validate();
            foreach (string error in own)
            {
                errors.Add($"Routers[{i}]: {error}");
            }

            string routerName = VrrpService.NameOf(router);
            if (!names.TryAdd(routerName, i))
            {
                errors.Add($"Routers[{i}]: Name '{routerName}' is taken by Routers[{names[routerName]}]; each router needs its own name.");
            }

            if (own.Count == 0 && !slots.TryAdd((router.Interface, VrrpService.FamilyOf(router), router.VirtualRouterId), i))
            {
                errors.Add($"Routers[{i}]: VirtualRouterId {router.VirtualRouterId} on '{router.Interface}' is taken by Routers[{slots[(router.Interface, VrrpService.FamilyOf(router), router.VirtualRouterId)]}]; each router on an interface and family needs its own VRID (1 to 255).");
            }
        }

        errors.AddRange(VrrpService.VirtualMacClashes(options.Routers));
        return errors;
    }
}
