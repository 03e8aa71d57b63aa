namespace Vrrp;

/// <summary>What <see cref="VrrpService.ApplyAsync"/> did, by router name.</summary>
/// <param name="Kept">Routers whose options did not change: they ran on untouched.</param>
/// <param name="Restarted">Routers whose options changed: stopped and made again.</param>
/// <param name="Added">Routers that are new.</param>
/// <param name="Removed">Routers that are gone: stopped.</param>
/// <param name="Updated">
/// Routers changed in place, without a restart: their priority, virtual addresses or unicast peers (the set a
/// running router takes: see <see cref="VirtualRouter.SetPriority"/>, <see cref="VirtualRouter.SetVirtualAddresses"/>,
/// <see cref="VirtualRouter.SetUnicastPeers"/>).
/// </param>
public sealed record VrrpReloadResult(IReadOnlyList<string> Kept, IReadOnlyList<string> Restarted, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Updated);
