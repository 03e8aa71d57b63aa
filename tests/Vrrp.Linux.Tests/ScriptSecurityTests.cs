using System.Diagnostics;
using Vrrp.Keepalived;
using Vrrp.Keepalived.Checks;
using Vrrp.Keepalived.Plan;

namespace Vrrp.Linux.Tests;

/// <summary>
/// keepalived's enable_script_security in vrrpd: a script that runs as root and that someone else could change (the
/// file or a directory on its path writable by a non-root group or by everyone, or not owned by root) is disabled with
/// its file and line; without the keyword every script runs as before.
/// </summary>
public sealed class ScriptSecurityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vrrpd-security-").FullName; // root's, 0700

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void With_enable_script_security_scripts_others_can_change_are_disabled_with_their_line_and_safe_ones_kept()
    {
        // Input: as root, a vrrp_script in a world-writable folder, one in root's folder; notify_master writable by group 1234,
        //        notify_backup root's, notify_fault owned by uid 65534; enable_script_security.
        // Expected: only chk_safe is tracked and only notify_backup kept; --check names each refused script at its section's line and why.
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root: scripts need protecting only when they run as root, and chown needs it");
        string conf = Write(enableScriptSecurity: true);

        KeepalivedConfiguration configuration = KeepalivedConfigurationReader.Load(conf);
        KeepalivedPlan plan = KeepalivedPlan.Create(configuration);
        KeepalivedRouterPlan router = Assert.Single(plan.Routers);
        Assert.Equal(["script:chk_safe"], plan.Checks.Keys);
        Assert.Equal(["script:chk_safe"], router.Tracks.Select(t => t.CheckKey));
        Assert.Null(router.Notify!.NotifyMaster);
        Assert.Equal(Path.Combine(_directory, "safe", "safe.sh"), router.Notify.NotifyBackup);
        Assert.Null(router.Notify.NotifyFault);

        (int code, string output) = Daemon.Check(conf);
        Assert.Equal(0, code);
        Assert.Contains($"{conf}:2: vrrp_script chk_open: script '{_directory}/open/chk.sh' is unsafe to run ('{_directory}/open' is writable by everyone): disabled by enable_script_security, not tracked", output, StringComparison.Ordinal);
        Assert.Contains($"{conf}:8: vrrp_instance VI_1: script '{_directory}/group.sh' is unsafe to run ('{_directory}/group.sh' is writable by group 1234): disabled by enable_script_security, notify_master not run", output, StringComparison.Ordinal);
        Assert.Contains($"{conf}:8: vrrp_instance VI_1: script '{_directory}/nobody.sh' is unsafe to run ('{_directory}/nobody.sh' is owned by uid 65534, not root): disabled by enable_script_security, notify_fault not run", output, StringComparison.Ordinal);
        Assert.DoesNotContain("safe.sh' is unsafe", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_enable_script_security_the_same_scripts_all_run_as_before()
    {
        // Input: the same scripts without enable_script_security. Expected: both checks tracked, all three notify scripts kept, no warning.
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root to chown the fixtures");
        string conf = Write(enableScriptSecurity: false);

        KeepalivedPlan plan = KeepalivedPlan.Create(KeepalivedConfigurationReader.Load(conf));
        KeepalivedRouterPlan router = Assert.Single(plan.Routers);
        Assert.Equal(["script:chk_open", "script:chk_safe"], plan.Checks.Keys.Order());
        Assert.NotNull(router.Notify!.NotifyMaster);
        Assert.NotNull(router.Notify.NotifyFault);
        Assert.DoesNotContain("unsafe", Daemon.Check(conf).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_a_script_in_a_folder_someone_else_owns_is_unsafe_however_the_path_reaches_it()
    {
        // Input: as root, a root-owned script in a folder owned by uid 65534; a root-owned link to the script in a
        // safe folder, and a root-owned link to the folder itself.
        // Expected: both paths are unsafe, naming the folder (or the link to it). Before: only the path as written was
        // walked, and stat followed the last link to a root-owned file: the file link passed as safe, though uid
        // 65534 could swap the script.
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root: scripts need protecting only when they run as root, and chown needs it");
        const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(_directory, Executable);
        string theirs = Directory.CreateDirectory(Path.Combine(_directory, "theirs")).FullName;
        File.SetUnixFileMode(theirs, Executable);
        Run("chown", "65534", theirs);
        string script = Path.Combine(theirs, "check.sh");
        File.WriteAllText(script, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(script, Executable);
        string safe = Directory.CreateDirectory(Path.Combine(_directory, "safe")).FullName;
        File.SetUnixFileMode(safe, Executable);
        File.CreateSymbolicLink(Path.Combine(safe, "check.sh"), "../theirs/check.sh");
        Directory.CreateSymbolicLink(Path.Combine(_directory, "scripts"), theirs);

        string? viaFileLink = ScriptSecurity.FindUnsafe(Path.Combine(safe, "check.sh"), null);
        string? viaFolderLink = ScriptSecurity.FindUnsafe(Path.Combine(_directory, "scripts", "check.sh"), null);

        Assert.Equal($"'{theirs}' is owned by uid 65534, not root", viaFileLink);
        Assert.Equal($"'{Path.Combine(_directory, "scripts")}' is owned by uid 65534, not root", viaFolderLink); // the link, followed
        Assert.Null(ScriptSecurity.FindUnsafe("/bin/true", null)); // /bin is a link to /usr/bin here: links alone are fine
    }

    [Fact]
    public void A_link_in_the_middle_of_a_chain_that_sits_in_someone_elses_folder_makes_the_script_unsafe()
    {
        // Input: safe/check.sh -> ../theirs/hop -> ../safe/real.sh; every file root's, but 'theirs' owned by uid 65534.
        // Expected: unsafe, naming 'theirs' (its owner may repoint 'hop'). Before this check, the path as written and the
        // resolved one (safe/real.sh) were both root's: judged safe.
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root: scripts need protecting only when they run as root, and chown needs it");
        const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(_directory, Executable);
        string safe = Directory.CreateDirectory(Path.Combine(_directory, "safe")).FullName;
        File.SetUnixFileMode(safe, Executable);
        string theirs = Directory.CreateDirectory(Path.Combine(_directory, "theirs")).FullName;
        File.SetUnixFileMode(theirs, Executable);
        Run("chown", "65534", theirs);
        File.WriteAllText(Path.Combine(safe, "real.sh"), "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(safe, "real.sh"), Executable);
        File.CreateSymbolicLink(Path.Combine(theirs, "hop"), "../safe/real.sh");
        File.CreateSymbolicLink(Path.Combine(safe, "check.sh"), "../theirs/hop");

        Assert.Equal($"'{theirs}' is owned by uid 65534, not root", ScriptSecurity.FindUnsafe(Path.Combine(safe, "check.sh"), null));
        Assert.Null(ScriptSecurity.FindUnsafe(Path.Combine(safe, "real.sh"), null));
    }

    private string Write(bool enableScriptSecurity)
    {
        const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        string open = Directory.CreateDirectory(Path.Combine(_directory, "open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0x1FF); // 0777, no sticky bit
        string safe = Directory.CreateDirectory(Path.Combine(_directory, "safe")).FullName;
        File.SetUnixFileMode(safe, Executable);
        File.SetUnixFileMode(_directory, Executable);
        string Script(string path)
        {
            File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(path, Executable);
            return path;
        }

        Script(Path.Combine(open, "chk.sh"));
        Script(Path.Combine(safe, "safe.sh"));
        Script(Path.Combine(_directory, "group.sh"));
        Run("chown", "0:1234", Path.Combine(_directory, "group.sh"));
        File.SetUnixFileMode(Path.Combine(_directory, "group.sh"), Executable | UnixFileMode.GroupWrite);
        Script(Path.Combine(_directory, "nobody.sh"));
        Run("chown", "65534", Path.Combine(_directory, "nobody.sh"));

        string conf = Path.Combine(_directory, enableScriptSecurity ? "secure.conf" : "plain.conf");
        File.WriteAllText(conf, $$"""
            global_defs { {{(enableScriptSecurity ? "enable_script_security" : "")}} }
            vrrp_script chk_open {
                script "{{open}}/chk.sh"
            }
            vrrp_script chk_safe {
                script "{{safe}}/safe.sh"
            }
            vrrp_instance VI_1 {
                interface lo
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
                    198.51.100.100/24
                }
                track_script {
                    chk_open
                    chk_safe
                }
                notify_master "{{_directory}}/group.sh"
                notify_backup "{{safe}}/safe.sh"
                notify_fault "{{_directory}}/nobody.sh"
            }

            """);
        return conf;
    }

    private static void Run(string program, params string[] arguments)
    {
        using Process process = Process.Start(program, arguments);
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, process.ExitCode);
    }
}
