namespace Vrrp;

/// <summary>What <see cref="VrrpService.ApplyAsync"/> did, by router name.</summary>
/// <param name="Kept">Routers whose options did not change: they ran on untouched.</param>
/// <param name="Restarted">Routers whose options changed: stopped and made again.</param>
/// <param name="Added">Routers that are new.</param>
/// <param name="Removed">Routers that are gone: stopped.</param>
public sealed record VrrpReloadResult(IReadOnlyList<string> Kept, IReadOnlyList<string> Restarted, IReadOnlyList<string> Added, IReadOnlyList<string> Removed);
