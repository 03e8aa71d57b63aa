using System.Globalization;
using System.Text;
using System.Text.Json;
using Vrrp;
using Vrrp.Health;
using Vrrp.Keepalived;
using Vrrp.Keepalived.Checks;
using Vrrp.Keepalived.Notify;
using Vrrp.Notifications;

namespace VrrpDaemon;

/// <summary>Turns a keepalived.conf into a plan: instances, vrrp_script / track_interface / track_file checks, notify scripts, sync groups.</summary>
internal static class KeepalivedPlan
{
    /// <summary>Makes the plan; with <c>enable_script_security</c>, scripts unsafe to run are left out, each with a warning.</summary>
    /// <param name="configuration">The configuration read.</param>
    /// <param name="stateFile">vrrpd's --state-file, or null.</param>
    /// <param name="warnings">Receives a <c>file:line: message</c> for each script left out.</param>
    public static DaemonPlan Create(KeepalivedConfiguration configuration, string? stateFile, ICollection<string>? warnings = null)
    {
        var checks = new Dictionary<string, CheckPlan>(StringComparer.Ordinal);
        var routers = new List<RouterPlan>();
        var security = new Security(configuration.GlobalDefinitions.EnableScriptSecurity, warnings);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeepalivedScript script in configuration.Scripts)
        {
            if (!security.Allows(script.Command, script.User ?? configuration.GlobalDefinitions.ScriptUser, script.Source, $"vrrp_script {script.Name}", "not tracked"))
            {
                refused.Add(script.Name);
            }
        }

        foreach (KeepalivedInstance instance in configuration.Instances)
        {
            VirtualRouterOptions options = instance.CreateOptions();
            options.Name = instance.Name;
            var tracks = new List<TrackPlan>();
            foreach (KeepalivedTrack track in instance.TrackScripts.Where(t => !refused.Contains(t.Name)))
            {
                KeepalivedScript script = configuration.Scripts.Single(s => s.Name == track.Name);
                CheckPlan plan = ScriptCheck(script, configuration.GlobalDefinitions.ScriptUser);
                checks[plan.Key] = plan;
                tracks.Add(new TrackPlan(plan.Key, track.Weight ?? script.Weight));
            }

            foreach (KeepalivedTrack track in instance.TrackInterfaces)
            {
                CheckPlan plan = InterfaceCheck(track.Name);
                checks[plan.Key] = plan;
                tracks.Add(new TrackPlan(plan.Key, track.Weight ?? 0));
            }

            foreach (KeepalivedTrack track in instance.TrackFiles)
            {
                KeepalivedTrackFile file = configuration.TrackFiles.Single(f => f.Name == track.Name);
                CheckPlan plan = FileCheck(file);
                checks[plan.Key] = plan;
                tracks.Add(new TrackPlan(plan.Key, track.Weight ?? file.Weight));
            }

            string owner = $"vrrp_instance {instance.Name}";
            NotifyScripts? notify = Notify(
                configuration.GlobalDefinitions.ScriptUser,
                security.Safe(instance.Notify, instance.Source, owner, "notify"),
                security.Safe(instance.NotifyMaster, instance.Source, owner, "notify_master"),
                security.Safe(instance.NotifyBackup, instance.Source, owner, "notify_backup"),
                security.Safe(instance.NotifyFault, instance.Source, owner, "notify_fault"),
                security.Safe(instance.NotifyStop, instance.Source, owner, "notify_stop"));
            routers.Add(new RouterPlan(instance.Name, options, tracks, notify));
        }

        var groups = configuration.SyncGroups
            .Select(g => new SyncGroupPlan(g.Name, g.Group, Notify(
                configuration.GlobalDefinitions.ScriptUser,
                security.Safe(g.Notify, g.Source, $"vrrp_sync_group {g.Name}", "notify"),
                security.Safe(g.NotifyMaster, g.Source, $"vrrp_sync_group {g.Name}", "notify_master"),
                security.Safe(g.NotifyBackup, g.Source, $"vrrp_sync_group {g.Name}", "notify_backup"),
                security.Safe(g.NotifyFault, g.Source, $"vrrp_sync_group {g.Name}", "notify_fault"),
                security.Safe(g.NotifyStop, g.Source, $"vrrp_sync_group {g.Name}", "notify_stop"))))
            .ToList();
        string? fifo = configuration.GlobalDefinitions.VrrpNotifyFifo ?? configuration.GlobalDefinitions.NotifyFifo;
        return new DaemonPlan(routers, checks, groups, fifo, stateFile);
    }

    // keepalived disables a script that is unsafe under enable_script_security; without it, every script runs as before.
    // Notify scripts run as vrrpd itself.
    private sealed class Security(bool enabled, ICollection<string>? warnings)
    {
        public bool Allows(string command, string? user, KeepalivedSourceLocation source, string owner, string consequence)
        {
            if (!enabled || ScriptSecurity.FindUnsafe(command, user) is not { } reason)
            {
                return true;
            }

            warnings?.Add($"{source}: {owner}: script '{command}' is unsafe to run ({reason}): disabled by enable_script_security, {consequence}");
            return false;
        }

        public string? Safe(string? command, KeepalivedSourceLocation source, string owner, string keyword) =>
            command is null || Allows(command, null, source, owner, $"{keyword} not run") ? command : null;
    }

    // keepalived runs notify scripts as global_defs' script_user, as it runs vrrp_script.
    private static NotifyScripts? Notify(string? user, string? notify, string? master, string? backup, string? fault, string? stop) =>
        (notify ?? master ?? backup ?? fault ?? stop) is null
            ? null
            : new NotifyScripts { Notify = notify, NotifyMaster = master, NotifyBackup = backup, NotifyFault = fault, NotifyStop = stop, User = user };

    // keepalived's 'user USER [GROUP]' (or global_defs' script_user as the default) runs the script as that user.
    private static CheckPlan ScriptCheck(KeepalivedScript script, string? scriptUser)
    {
        string[] user = (script.User ?? scriptUser)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var options = new ScheduledCheckOptions
        {
            Name = script.Name,
            Interval = script.Interval,
            Timeout = script.Timeout,
            Rise = script.Rise,
            Fall = script.Fall,
            Weight = script.Weight,
            InitFail = script.InitFail,
        };
        string fingerprint = $"script {script.Name} '{script.Command}' {script.Interval} {script.Timeout} {script.Rise} {script.Fall} {script.Weight} {script.InitFail} {string.Join(':', user)}";
        return new CheckPlan($"script:{script.Name}", Fingerprint.Of(fingerprint), options, _ => new CommandHealthCheck(ScriptCommandLine.Split(script.Command))
        {
            User = user.Length > 0 ? user[0] : null,
            Group = user.Length > 1 ? user[1] : null,
        });
    }

    // keepalived hears link changes from netlink at once; a 100 ms poll of /sys is close and costs little.
    private static CheckPlan InterfaceCheck(string name) =>
        new($"interface:{name}", Fingerprint.Of($"interface {name}"), new ScheduledCheckOptions { Name = name, Interval = TimeSpan.FromMilliseconds(100) }, links => links.CreateInterfaceCheck(name));

    private static CheckPlan FileCheck(KeepalivedTrackFile file)
    {
        var options = new ScheduledCheckOptions { Name = file.Name, Interval = TimeSpan.FromSeconds(1), Weight = file.Weight };
        string fingerprint = $"file {file.Name} {file.File} {file.Weight} {file.InitFileValue} {file.InitFileOverwrite}";
        return new CheckPlan($"file:{file.Name}", Fingerprint.Of(fingerprint), options, _ => new TrackFileHealthCheck(file.File) { InitFile = file.InitFileValue, InitFileOverwrite = file.InitFileOverwrite });
    }
}
