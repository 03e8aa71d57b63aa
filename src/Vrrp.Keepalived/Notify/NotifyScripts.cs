using System.Text;
using Vrrp.Protocol;

namespace Vrrp.Keepalived.Notify;

/// <summary>
/// keepalived's notify scripts of one <c>vrrp_instance</c> (or <c>vrrp_sync_group</c>), as command lines:
/// <c>notify_master</c>, <c>notify_backup</c>, <c>notify_fault</c> and <c>notify_stop</c> run as written on
/// entering their state, then <c>notify</c> runs with <c>INSTANCE|GROUP NAME STATE PRIORITY</c> appended.
/// </summary>
/// <remarks>
/// Each value is a keepalived command line: a full path and optional arguments, split at white space, with single
/// or double quotes around words that hold spaces (<c>"/etc/keepalived/to-master.sh eth0"</c>). Scripts run
/// without a shell, one after another per router, each killed when it runs past <see cref="Timeout"/>.
/// </remarks>
public sealed class NotifyScripts
{
    /// <summary>Gets or sets keepalived's <c>notify</c>: run on every change with <c>INSTANCE NAME STATE PRIORITY</c> appended.</summary>
    public string? Notify { get; set; }

    /// <summary>Gets or sets keepalived's <c>notify_master</c>.</summary>
    public string? NotifyMaster { get; set; }

    /// <summary>Gets or sets keepalived's <c>notify_backup</c>.</summary>
    public string? NotifyBackup { get; set; }

    /// <summary>Gets or sets keepalived's <c>notify_fault</c>.</summary>
    public string? NotifyFault { get; set; }

    /// <summary>Gets or sets keepalived's <c>notify_stop</c>: run when the router stops.</summary>
    public string? NotifyStop { get; set; }

    /// <summary>Gets or sets the script run, without arguments, when a master hears a lower priority and answers it (<c>notify_master_rx_lower_pri</c>).</summary>
    public string? NotifyMasterRxLowerPriority { get; set; }

    /// <summary>
    /// Gets or sets who the scripts run as, keepalived's <c>script_user USER [GROUP]</c>; vrrpd's own user when
    /// <see langword="null"/>. Switching user needs root and runs through <c>runuser</c>.
    /// </summary>
    public string? User { get; set; }

    /// <summary>Gets or sets how long a script may run before it and its children are killed (default 30 s; more than zero).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks every command line: each must start with a full path to an existing file.</summary>
    /// <param name="owner">Names the instance or group in the messages.</param>
    /// <returns>One message per problem, naming the keyword; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string owner)
    {
        var errors = new List<string>();
        Check(errors, owner, "notify", Notify);
        Check(errors, owner, "notify_master", NotifyMaster);
        Check(errors, owner, "notify_backup", NotifyBackup);
        Check(errors, owner, "notify_fault", NotifyFault);
        Check(errors, owner, "notify_stop", NotifyStop);
        Check(errors, owner, "notify_master_rx_lower_pri", NotifyMasterRxLowerPriority);
        if (Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{owner}: Timeout must be more than zero; got {Timeout}.");
        }

        return errors;
    }

    /// <summary>Splits a keepalived command line into words: white space separates, quotes group.</summary>
    internal static List<string> Split(string commandLine)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in commandLine)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    internal string? ForState(VrrpState state) => state switch
    {
        VrrpState.Master => NotifyMaster,
        VrrpState.Backup => NotifyBackup,
        VrrpState.Fault => NotifyFault,
        _ => NotifyStop,
    };

    private static void Check(List<string> errors, string owner, string keyword, string? commandLine)
    {
        if (commandLine is null)
        {
            return;
        }

        List<string> words = Split(commandLine);
        if (words.Count == 0)
        {
            errors.Add($"{owner}: {keyword} is empty; give a full path to a script, or leave it out.");
        }
        else if (!Path.IsPathFullyQualified(words[0]))
        {
            errors.Add($"{owner}: {keyword} '{words[0]}' is a relative path; scripts are run by full path (starting with '/'), not searched for.");
        }
        else if (!File.Exists(words[0]))
        {
            errors.Add($"{owner}: {keyword} '{words[0]}' does not exist.");
        }
    }
}
