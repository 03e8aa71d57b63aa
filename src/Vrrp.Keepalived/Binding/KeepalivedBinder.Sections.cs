using Vrrp.Keepalived.Syntax;

namespace Vrrp.Keepalived.Binding;

internal sealed partial class KeepalivedBinder
{
    private KeepalivedScript BindScript(SyntaxNode section, string name)
    {
        KeepalivedScript script = new() { Name = name, Source = Location(section) };
        bool hasCommand = false;
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["script"] = new(1, -1, s => { hasCommand = true; script = script with { Command = CommandLine(s, s.Arguments.Count) }; }, Allowed: "a command line"),
            ["interval"] = new(1, 1, s => { if (Seconds(s, 0, 0.001m, 86400, out TimeSpan v)) { script = script with { Interval = v }; } }, Allowed: "0.001 to 86400 seconds"),
            ["timeout"] = new(1, 1, s => { if (Seconds(s, 0, 0.001m, 86400, out TimeSpan v)) { script = script with { Timeout = v }; } }, Allowed: "0.001 to 86400 seconds"),
            ["rise"] = new(1, 1, s => { if (Int(s, 0, 1, 65535, out int v)) { script = script with { Rise = v }; } }, Allowed: "1 to 65535"),
            ["fall"] = new(1, 1, s => { if (Int(s, 0, 1, 65535, out int v)) { script = script with { Fall = v }; } }, Allowed: "1 to 65535"),
            ["weight"] = new(1, 2, s =>
            {
                if (Int(s, 0, KeepalivedScript.MinWeight, KeepalivedScript.MaxWeight, out int v) && Reverse(s))
                {
                    script = script with { Weight = v, WeightReverse = s.Arguments.Count > 1 && Text(s, 1) == "reverse" };
                }
            }, Allowed: "-253 to 253"),
            ["user"] = new(1, 2, s => script = script with { User = string.Join(' ', s.Arguments.Select(static t => t.Text)) }, Allowed: "USER [GROUP]"),
            ["init_fail"] = new(0, 0, _ => script = script with { InitFail = true }),
        };
        Bind(section, rules, $"vrrp_script {name}");
        if (!hasCommand)
        {
            _diagnostics.Error(section.Keyword, $"vrrp_script {name}: script is missing (the command to run)");
        }

        return script;
    }

    private KeepalivedTrackFile BindTrackFile(SyntaxNode section, string name)
    {
        KeepalivedTrackFile trackFile = new() { Name = name, Source = Location(section) };
        bool hasFile = false;
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["file"] = new(1, 1, s => { hasFile = true; trackFile = trackFile with { File = Text(s, 0) }; }, Allowed: "a file path"),
            ["weight"] = new(1, 2, s =>
            {
                if (Int(s, 0, KeepalivedTrackFile.MinWeight, KeepalivedTrackFile.MaxWeight, out int v) && Reverse(s))
                {
                    trackFile = trackFile with { Weight = v, WeightReverse = s.Arguments.Count > 1 && Text(s, 1) == "reverse" };
                }
            }, Allowed: "-254 to 254"),
            ["init_file"] = new(0, 2, s =>
            {
                int value = 0;
                int next = 0;
                if (s.Arguments.Count > 0 && Text(s, 0) != "overwrite")
                {
                    if (!Int(s, 0, int.MinValue, int.MaxValue, out value))
                    {
                        return;
                    }

                    next = 1;
                }

                bool overwrite = false;
                if (s.Arguments.Count > next)
                {
                    if (Text(s, next) != "overwrite")
                    {
                        _diagnostics.Error(s.Arguments[next], $"init_file takes [VALUE] [overwrite]; got {Text(s, next)}");
                        return;
                    }

                    overwrite = true;
                }

                trackFile = trackFile with { InitFileValue = value, InitFileOverwrite = overwrite };
            }),
        };
        Bind(section, rules, $"vrrp_track_file {name}");
        if (!hasFile)
        {
            _diagnostics.Error(section.Keyword, $"vrrp_track_file {name}: file is missing (the path to track)");
        }

        return trackFile;
    }

    // keepalived's vrrp_track_process: its parser's words and ranges; a value it ignores with a report, so does this.
    private KeepalivedTrackProcess BindTrackProcess(SyntaxNode section, string name)
    {
        KeepalivedTrackProcess process = new() { Name = name, Source = Location(section) };
        bool hasProcess = false;
        bool weightSet = false;
        string owner = $"vrrp_track_process {name}";
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["process"] = new(1, int.MaxValue, s =>
            {
                if (hasProcess)
                {
                    _diagnostics.Warning(s.Arguments[0], $"Process already set for track process {name} - ignoring {Text(s, 0)} (keepalived's words)");
                    return;
                }

                hasProcess = true;
                string[] parameters = [.. s.Arguments.Skip(1).Select(static t => t.Text)];
                process = process with
                {
                    Process = Text(s, 0),
                    Parameters = parameters,
                    ParameterMatch = parameters.Length > 0 && process.ParameterMatch == KeepalivedParameterMatch.None ? KeepalivedParameterMatch.Exact : process.ParameterMatch,
                    FullCommand = process.FullCommand || parameters.Length > 0,
                };
            }, Allowed: "NAME [PARAMETER ...]"),
            ["param_match"] = new(0, 1, s =>
            {
                KeepalivedParameterMatch? match = s.Arguments.Count == 0 ? KeepalivedParameterMatch.Exact : Text(s, 0) switch
                {
                    "initial" => KeepalivedParameterMatch.Initial,
                    "partial" => KeepalivedParameterMatch.Partial,
                    _ => null,
                };
                if (match is null)
                {
                    _diagnostics.Warning(s.Arguments[0], $"Invalid param_match type {Text(s, 0)} - ignoring (keepalived's words)");
                    return;
                }

                process = process with { ParameterMatch = match.Value, FullCommand = true };
            }, Allowed: "[initial|partial]"),
            ["weight"] = new(1, 2, s =>
            {
                if (weightSet && process.Weight != 0)
                {
                    _diagnostics.Warning(s.Arguments[0], $"Weight already set for track process {name} - ignoring {Text(s, 0)} (keepalived's words)");
                    return;
                }

                if (Int(s, 0, -254, 254, out int v) && Reverse(s))
                {
                    weightSet = true;
                    process = process with { Weight = v, WeightReverse = s.Arguments.Count > 1 && Text(s, 1) == "reverse" };
                }
            }, Allowed: "-254 to 254 [reverse]"),
            ["quorum"] = new(1, 1, s =>
            {
                if (!Int(s, 0, 1, 65535, out int v))
                {
                    return;
                }

                if (v > process.QuorumMaximum)
                {
                    _diagnostics.Warning(s.Arguments[0], "Quorum is greater than quorum_max - ignoring (keepalived's words)");
                    return;
                }

                process = process with { Quorum = v };
            }, Allowed: "1 to 65535"),
            ["quorum_max"] = new(1, 1, s =>
            {
                if (!Int(s, 0, 0, 65535, out int v))
                {
                    return;
                }

                if ((v > 0 || process.Quorum > 1) && v < process.Quorum)
                {
                    _diagnostics.Warning(s.Arguments[0], "quorum_max is less than quorum - ignoring (keepalived's words)");
                    return;
                }

                // quorum_max 0 means "up while none runs"; keepalived's quorum follows it.
                process = process with { QuorumMaximum = v, Quorum = v == 0 ? 0 : process.Quorum == 0 ? 1 : process.Quorum };
            }, Allowed: "0 to 65535"),
            ["delay"] = new(1, 1, s => { if (Seconds(s, 0, 0.000001m, 3600, out TimeSpan v)) { process = process with { ForkDelay = v, TerminateDelay = v }; } }, Allowed: "0.000001 to 3600 seconds"),
            ["fork_delay"] = new(1, 1, s => { if (Seconds(s, 0, 0.000001m, 3600, out TimeSpan v)) { process = process with { ForkDelay = v }; } }, Allowed: "0.000001 to 3600 seconds"),
            ["terminate_delay"] = new(1, 1, s => { if (Seconds(s, 0, 0.000001m, 3600, out TimeSpan v)) { process = process with { TerminateDelay = v }; } }, Allowed: "0.000001 to 3600 seconds"),
            ["full_command"] = new(0, 0, _ => process = process with { FullCommand = true }),
        };
        Bind(section, rules, owner);
        if (!hasProcess)
        {
            _diagnostics.Error(section.Keyword, $"{owner}: process is missing (the process to track)");
        }

        return process;
    }

    // keepalived's track_group: a group of instances that a static address's interface is tracked by.
    private KeepalivedTrackGroup BindTrackGroup(SyntaxNode section, string name)
    {
        KeepalivedTrackGroup group = new() { Name = name, Source = Location(section) };
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["group"] = new(0, 0, s => group = group with { Group = [.. group.Group, .. Entries(s, static _ => -1).Select(static e => e[0].Text)] }, Block: true),
        };
        Bind(section, rules, $"track_group {name}");
        return group;
    }

    // keepalived logs a track group's members that are no instance, and goes on without them.
    private void CheckTrackGroups(List<KeepalivedTrackGroup> groups, List<KeepalivedInstance> instances)
    {
        foreach (KeepalivedTrackGroup group in groups)
        {
            foreach (string member in group.Group.Where(m => !instances.Any(i => i.Name == m)))
            {
                _diagnostics.Warning(group.Source.File ?? string.Empty, group.Source.Line, $"vrrp instance {member} specified in track group {group.Name} doesn't exist - ignoring (keepalived's words)", KeepalivedTestOutcome.NotReported);
            }
        }
    }

    private KeepalivedSyncGroup BindSyncGroup(SyntaxNode section, string name)
    {
        KeepalivedSyncGroup group = new() { Name = name, Source = Location(section) };
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal)
        {
            ["group"] = new(0, 0, s => group = group with { Group = [.. group.Group, .. Entries(s, static _ => -1).Select(static e => e[0].Text)] }, Block: true),
            ["track_script"] = new(0, 0, s => { group = group with { TrackScripts = [.. group.TrackScripts, .. BindTracks(s, KeepalivedScript.MinWeight, KeepalivedScript.MaxWeight, _scriptNames, "vrrp_script")] }; }, Block: true),
            ["track_interface"] = new(0, 0, s => { group = group with { TrackInterfaces = [.. group.TrackInterfaces, .. BindTracks(s, KeepalivedScript.MinWeight, KeepalivedScript.MaxWeight, null, null)] }; }, Block: true),
            ["track_file"] = new(0, 0, s => { group = group with { TrackFiles = [.. group.TrackFiles, .. BindTracks(s, KeepalivedTrackFile.MinWeight, KeepalivedTrackFile.MaxWeight, _trackFileNames, "vrrp_track_file")] }; }, Block: true),
            ["track_process"] = new(0, 0, s => { group = group with { TrackProcesses = [.. group.TrackProcesses, .. BindTracks(s, -254, 254, _trackProcessNames, "vrrp_track_process")] }; }, Block: true),
            ["notify"] = new(1, 3, s => group = group with { Notify = Notify(s) }, Allowed: "a script"),
            ["notify_master"] = new(1, 3, s => group = group with { NotifyMaster = Notify(s) }, Allowed: "a script"),
            ["notify_backup"] = new(1, 3, s => group = group with { NotifyBackup = Notify(s) }, Allowed: "a script"),
            ["notify_fault"] = new(1, 3, s => group = group with { NotifyFault = Notify(s) }, Allowed: "a script"),
            ["notify_stop"] = new(1, 3, s => group = group with { NotifyStop = Notify(s) }, Allowed: "a script"),
        };
        Bind(section, rules, $"vrrp_sync_group {name}");
        if (group.Group.Count == 0)
        {
            _diagnostics.Error(section.Keyword, $"vrrp_sync_group {name}: group is missing or empty (the member vrrp_instance names)");
        }

        return group;
    }

    private bool Reverse(SyntaxNode statement)
    {
        if (statement.Arguments.Count < 2 || Text(statement, 1) is "reverse" or "noreverse" or "no_reverse")
        {
            return true;
        }

        _diagnostics.Error(statement.Arguments[1], $"{statement.Name} takes N [reverse]; got {Text(statement, 1)}");
        return false;
    }
}
