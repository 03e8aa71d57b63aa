using System.Globalization;
using System.Text;
using System.Text.Json;
using Vrrp;
using Vrrp.Health;
using Vrrp.Keepalived;
using Vrrp.Notifications;

namespace VrrpDaemon;

/// <summary>Turns a keepalived.conf into a plan: instances, vrrp_script / track_interface / track_file checks, notify scripts, sync groups.</summary>
internal static class KeepalivedPlan
{
    public static DaemonPlan Create(KeepalivedConfiguration configuration, string? stateFile)
    {
        var checks = new Dictionary<string, CheckPlan>(StringComparer.Ordinal);
        var routers = new List<RouterPlan>();
        foreach (KeepalivedInstance instance in configuration.Instances)
        {
            VirtualRouterOptions options = instance.CreateOptions();
            options.Name = instance.Name;
            var tracks = new List<TrackPlan>();
            var text = new StringBuilder(JsonSerializer.Serialize(options, DaemonJsonContext.Default.VirtualRouterOptions));
            foreach (KeepalivedTrack track in instance.TrackScripts)
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

            NotifyScripts? notify = Notify(instance.Notify, instance.NotifyMaster, instance.NotifyBackup, instance.NotifyFault, instance.NotifyStop);
            foreach (TrackPlan track in tracks)
            {
                text.Append(CultureInfo.InvariantCulture, $"|{checks[track.CheckKey].Fingerprint} weight {track.Weight}");
            }

            text.Append(CultureInfo.InvariantCulture, $"|{instance.Notify}|{instance.NotifyMaster}|{instance.NotifyBackup}|{instance.NotifyFault}|{instance.NotifyStop}|vmac {instance.VirtualMacInterface}");
            routers.Add(new RouterPlan(instance.Name, options, Fingerprint.Of(text.ToString()), tracks, notify, instance.VirtualMacInterface));
        }

        var groups = configuration.SyncGroups
            .Select(g => new SyncGroupPlan(g.Name, g.Group, Notify(g.Notify, g.NotifyMaster, g.NotifyBackup, g.NotifyFault, g.NotifyStop)))
            .ToList();
        string? fifo = configuration.GlobalDefinitions.VrrpNotifyFifo ?? configuration.GlobalDefinitions.NotifyFifo;
        return new DaemonPlan(routers, checks, groups, fifo, stateFile);
    }

    private static NotifyScripts? Notify(string? notify, string? master, string? backup, string? fault, string? stop) =>
        (notify ?? master ?? backup ?? fault ?? stop) is null
            ? null
            : new NotifyScripts { Notify = notify, NotifyMaster = master, NotifyBackup = backup, NotifyFault = fault, NotifyStop = stop };

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
        return new CheckPlan($"script:{script.Name}", Fingerprint.Of(fingerprint), options, () => new CommandHealthCheck(ScriptCommandLine.Split(script.Command))
        {
            User = user.Length > 0 ? user[0] : null,
            Group = user.Length > 1 ? user[1] : null,
        });
    }

    // keepalived hears link changes from netlink at once; a 100 ms poll of /sys is close and costs little.
    private static CheckPlan InterfaceCheck(string name) =>
        new($"interface:{name}", $"interface {name}", new ScheduledCheckOptions { Name = name, Interval = TimeSpan.FromMilliseconds(100) }, () => new InterfaceLinkHealthCheck(name));

    private static CheckPlan FileCheck(KeepalivedTrackFile file)
    {
        var options = new ScheduledCheckOptions { Name = file.Name, Interval = TimeSpan.FromSeconds(1), Weight = file.Weight };
        string fingerprint = $"file {file.Name} {file.File} {file.Weight} {file.InitFileValue} {file.InitFileOverwrite}";
        return new CheckPlan($"file:{file.Name}", Fingerprint.Of(fingerprint), options, () => new TrackFileHealthCheck(file.File) { InitFile = file.InitFileValue, InitFileOverwrite = file.InitFileOverwrite });
    }
}
