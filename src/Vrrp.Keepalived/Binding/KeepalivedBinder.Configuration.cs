using System.Globalization;
using Vrrp.Keepalived.Syntax;

namespace Vrrp.Keepalived.Binding;

internal sealed partial class KeepalivedBinder
{
    public KeepalivedConfiguration Bind(List<SyntaxNode> statements)
    {
        // global_defs first: its vrrp_* keys are the defaults of every instance, wherever it stands in the file.
        var global = new KeepalivedGlobalDefinitions();
        foreach (SyntaxNode statement in statements)
        {
            if (statement.Name == "global_defs")
            {
                global = BindGlobal(statement, global);
            }
        }

        // Names first, so that a track_script can name a vrrp_script written after it and the error points at the entry.
        foreach (SyntaxNode statement in statements)
        {
            if (statement.Arguments.Count > 0)
            {
                _ = statement.Name switch
                {
                    "vrrp_script" => _scriptNames.Add(statement.Arguments[0].Text),
                    "vrrp_track_file" or "track_file" => _trackFileNames.Add(statement.Arguments[0].Text),
                    "vrrp_track_process" => _trackProcessNames.Add(statement.Arguments[0].Text),
                    _ => false,
                };
            }
        }

        var instances = new List<KeepalivedInstance>();
        var scripts = new List<KeepalivedScript>();
        var trackFiles = new List<KeepalivedTrackFile>();
        var trackProcesses = new List<KeepalivedTrackProcess>();
        var syncGroups = new List<KeepalivedSyncGroup>();
        var staticAddresses = new List<KeepalivedVirtualAddress>();
        List<KeepalivedTrackGroup> trackGroups = _trackGroups;
        var staticRoutes = new List<string>();
        var staticRules = new List<string>();
        foreach (SyntaxNode statement in statements)
        {
            switch (statement.Name)
            {
                case "global_defs":
                    break;
                case "static_ipaddress":
                    staticAddresses.AddRange(BindStaticAddresses(statement, global));
                    break;
                case "static_routes":
                    staticRoutes.AddRange(BindRoutes(statement));
                    break;
                case "static_rules":
                    staticRules.AddRange(BindRules(statement));
                    break;
                case "vrrp_instance":
                    if (Named(statement) is { } instanceName)
                    {
                        int errorsBefore = _diagnostics.Errors.Count;
                        KeepalivedInstance instance = BindInstance(statement, instanceName, global);
                        if (_diagnostics.Errors.Count == errorsBefore)
                        {
                            // The core's own checks (families, intervals per version, authentication per version) with this instance's line.
                            foreach (string error in instance.CreateOptions().Validate())
                            {
                                _diagnostics.Error(statement.Keyword, $"vrrp_instance {error}");
                            }
                        }

                        instances.Add(instance);
                    }

                    break;
                case "vrrp_script":
                    if (Named(statement) is { } scriptName)
                    {
                        scripts.Add(BindScript(statement, scriptName));
                    }

                    break;
                case "vrrp_track_file" or "track_file":
                    if (Named(statement) is { } trackFileName)
                    {
                        trackFiles.Add(BindTrackFile(statement, trackFileName));
                    }

                    break;
                case "vrrp_track_process":
                    if (Named(statement) is { } trackProcessName)
                    {
                        trackProcesses.Add(BindTrackProcess(statement, trackProcessName));
                    }

                    break;
                case "vrrp_sync_group":
                    if (Named(statement) is { } groupName)
                    {
                        syncGroups.Add(BindSyncGroup(statement, groupName));
                    }

                    break;
                case "track_group":
                    if (statement.Arguments.Count == 0)
                    {
                        _diagnostics.Warning(statement.Keyword, "track_group must have a name - skipping (keepalived's words)");
                    }
                    else if (trackGroups.Any(g => g.Name == statement.Arguments[0].Text))
                    {
                        _diagnostics.Warning(statement.Keyword, $"track_group {statement.Arguments[0].Text} already defined (keepalived's words): skipped");
                    }
                    else
                    {
                        trackGroups.Add(BindTrackGroup(statement, statement.Arguments[0].Text));
                    }

                    break;
                default:
                    WarnNotBound(statement, "the top level");
                    break;
            }
        }

        CheckReferences(instances, scripts, trackFiles, syncGroups);
        CheckTrackGroups(trackGroups, instances);
        Unique(trackProcesses, static t => t.Name, static t => t.Source, "vrrp_track_process");
        ReportAsKeepalived(global, instances, scripts, syncGroups);
        return new KeepalivedConfiguration
        {
            GlobalDefinitions = global,
            Instances = instances,
            Scripts = scripts,
            TrackFiles = trackFiles,
            TrackProcesses = trackProcesses,
            SyncGroups = syncGroups,
            TrackGroups = trackGroups,
            StaticAddresses = staticAddresses,
            StaticRoutes = staticRoutes,
            StaticRules = staticRules,
            Warnings = _diagnostics.Warnings,
        };
    }

    // What keepalived's configuration test reports about a whole configuration, in its words, so that --check gives
    // its verdict; and what it changes on the way (a track_interface of the instance's own interface is dropped).
    private void ReportAsKeepalived(KeepalivedGlobalDefinitions global, List<KeepalivedInstance> instances, List<KeepalivedScript> scripts, List<KeepalivedSyncGroup> syncGroups)
    {
        for (int k = 0; k < instances.Count; k++)
        {
            KeepalivedInstance instance = instances[k];
            KeepalivedTrack[] own = [.. instance.TrackInterfaces.Where(t => t.Name == instance.Interface)];
            foreach (KeepalivedTrack track in own)
            {
                Warning(instance.Source, $"({instance.Name}) Ignoring track_interface {track.Name} since own interface (as keepalived: its own interface is tracked anyway)");
            }

            if (own.Length > 0)
            {
                instances[k] = instance with { TrackInterfaces = [.. instance.TrackInterfaces.Where(t => t.Name != instance.Interface)] };
            }
        }

        foreach (KeepalivedInstance instance in instances.Where(static i => i.VirtualAddresses.Count == 0))
        {
            Warning(instance.Source, $"({instance.Name}) No VIP specified; at least one is sensible (keepalived's words; the instance runs without one)");
        }

        foreach (KeepalivedSyncGroup group in syncGroups.Where(static g => g.Group.Count == 1))
        {
            Warning(group.Source, $"Sync group {group.Name} has only 1 virtual router(s) - this probably isn't what you want (keepalived's words)");
        }

        // keepalived -t fails any configuration that runs scripts without enable_script_security (vrrpd runs them, as
        // keepalived does).
        KeepalivedSourceLocation? firstScript =
            scripts.Select(static s => (KeepalivedSourceLocation?)s.Source).FirstOrDefault()
            ?? instances.Where(static i => new[] { i.Notify, i.NotifyMaster, i.NotifyBackup, i.NotifyFault, i.NotifyStop, i.NotifyMasterRxLowerPriority }.Any(static n => n is not null))
                .Select(static i => (KeepalivedSourceLocation?)i.Source).FirstOrDefault()
            ?? syncGroups.Where(static g => new[] { g.Notify, g.NotifyMaster, g.NotifyBackup, g.NotifyFault, g.NotifyStop }.Any(static n => n is not null))
                .Select(static g => (KeepalivedSourceLocation?)g.Source).FirstOrDefault()
            ?? (global.NotifyFifoScript is not null || global.VrrpNotifyFifoScript is not null ? new KeepalivedSourceLocation(null, 0) : null);
        if (!global.EnableScriptSecurity && firstScript is { } at)
        {
            _diagnostics.Warning(at.File ?? string.Empty, at.Line, "SECURITY VIOLATION - scripts are being executed but script_security not enabled (keepalived's words; add enable_script_security to global_defs)", KeepalivedTestOutcome.SecurityViolation);
        }
    }

    private void Warning(KeepalivedSourceLocation at, string message) => _diagnostics.Warning(at.File ?? string.Empty, at.Line, message);

    private string? Named(SyntaxNode statement)
    {
        if (statement.Arguments.Count == 0 || statement.Arguments[0].Text.Length == 0)
        {
            _diagnostics.Error(statement.Keyword, $"{statement.Name} needs a name");
            return null;
        }

        if (statement.Arguments.Count > 1)
        {
            _diagnostics.Warning(statement.Arguments[1], $"{statement.Name} takes one name; '{statement.Arguments[1].Text}' and after are ignored");
        }

        if (statement.Block is null)
        {
            _diagnostics.Error(statement.Keyword, $"{statement.Name} {statement.Arguments[0].Text} needs a '{{ }}' block");
            return null;
        }

        return statement.Arguments[0].Text;
    }

    private void CheckReferences(List<KeepalivedInstance> instances, List<KeepalivedScript> scripts, List<KeepalivedTrackFile> trackFiles, List<KeepalivedSyncGroup> syncGroups)
    {
        Unique(scripts, static s => s.Name, static s => s.Source, "vrrp_script");
        Unique(trackFiles, static t => t.Name, static t => t.Source, "vrrp_track_file");
        Unique(syncGroups, static g => g.Name, static g => g.Source, "vrrp_sync_group");
        Unique(instances, static i => i.Name, static i => i.Source, "vrrp_instance");

        var routers = new Dictionary<(string Interface, int Vrid, bool IPv6), KeepalivedInstance>();
        foreach (KeepalivedInstance instance in instances)
        {
            if (instance.VirtualRouterId == 0 || instance.Interface.Length == 0)
            {
                continue;
            }

            bool ipv6 = instance.VirtualAddresses.Count > 0 && instance.VirtualAddresses[0].Address.Contains(':', StringComparison.Ordinal);
            if (routers.TryGetValue((instance.Interface, instance.VirtualRouterId, ipv6), out KeepalivedInstance? other))
            {
                Error(instance.Source, string.Create(CultureInfo.InvariantCulture, $"vrrp_instance {instance.Name}: virtual_router_id {instance.VirtualRouterId} is already used on {instance.Interface} for {(ipv6 ? "IPv6" : "IPv4")} by vrrp_instance {other.Name} ({other.Source}); each VRID must be unique per interface and family"));
            }
            else
            {
                routers.Add((instance.Interface, instance.VirtualRouterId, ipv6), instance);
            }
        }

        var instanceNames = instances.Select(static i => i.Name).ToHashSet(StringComparer.Ordinal);
        var memberOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeepalivedSyncGroup group in syncGroups)
        {
            foreach (string member in group.Group)
            {
                if (!instanceNames.Contains(member))
                {
                    Error(group.Source, $"vrrp_sync_group {group.Name}: group names '{member}', which is no vrrp_instance");
                }
                else if (!memberOf.TryAdd(member, group.Name))
                {
                    Error(group.Source, $"vrrp_sync_group {group.Name}: vrrp_instance {member} is already in vrrp_sync_group {memberOf[member]}; an instance can be in one group only");
                }
            }
        }
    }

    private void Unique<T>(List<T> items, Func<T, string> name, Func<T, KeepalivedSourceLocation> source, string section)
    {
        var seen = new Dictionary<string, KeepalivedSourceLocation>(StringComparer.Ordinal);
        foreach (T item in items)
        {
            if (!seen.TryAdd(name(item), source(item)))
            {
                Error(source(item), $"{section} {name(item)} is defined twice (first at {seen[name(item)]})");
            }
        }
    }

    private void Error(KeepalivedSourceLocation at, string message) => _diagnostics.Error(at.File ?? string.Empty, at.Line, message);
}
