using System.Globalization;
using System.Text;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// Every keyword keepalived 2.2.7's parsers install (Keywords/keepalived-2.2.7.txt) has exactly one class here: run
/// (listed below, with a value keepalived accepts), or warned or refused at its own line. A keyword read and dropped
/// without a word fails this test.
/// </summary>
public sealed class KeywordClassTests
{
    // The keywords the reader runs with keepalived's semantics, section by section, each with a value to try it with
    // ("" for a keyword without one; a value starting with '{' is a block).
    private static readonly Dictionary<string, Dictionary<string, string>> s_run = new(StringComparer.Ordinal)
    {
        ["(root)"] = new(StringComparer.Ordinal)
        {
            ["global_defs"] = "", ["track_group"] = "", ["vrrp_instance"] = "", ["vrrp_sync_group"] = "", ["vrrp_script"] = "", ["track_file"] = "", ["vrrp_track_file"] = "", ["vrrp_track_process"] = "", ["static_ipaddress"] = "", ["static_routes"] = "", ["static_rules"] = "",
        },
        ["vrrp_instance"] = new(StringComparer.Ordinal)
        {
            ["interface"] = "lab0", ["virtual_router_id"] = "51", ["priority"] = "100", ["advert_int"] = "1", ["use_vmac"] = "", ["vmac_xmit_base"] = "", ["track_process"] = "{\n        tp\n    }",
            ["preempt_delay"] = "10", ["down_timer_adverts"] = "3",
            ["notify"] = "\"/bin/true\"", ["notify_backup"] = "\"/bin/true\"", ["notify_fault"] = "\"/bin/true\"",
            ["notify_master"] = "\"/bin/true\"", ["notify_stop"] = "\"/bin/true\"", ["notify_master_rx_lower_pri"] = "\"/bin/true\"",
            ["garp_master_delay"] = "5", ["garp_master_repeat"] = "5", ["garp_master_refresh"] = "60", ["garp_master_refresh_repeat"] = "2",
            ["garp_lower_prio_delay"] = "5", ["garp_lower_prio_repeat"] = "2", ["skip_check_adv_addr"] = "",
            ["promote_secondaries"] = "", ["dont_track_primary"] = "", ["check_unicast_src"] = "", ["unicast_ttl"] = "64", ["unicast_fault_no_peer"] = "", ["track_src_ip"] = "", ["native_ipv6"] = "", ["garp_extra_if"] = "all 100", ["virtual_routes"] = "{\n        203.0.113.0/24 dev lab0\n    }", ["virtual_rules"] = "{\n        from 198.51.100.100 table 100 priority 100\n    }",
        },
        ["vrrp_instance/authentication"] = new(StringComparer.Ordinal) { ["auth_pass"] = "secret" },
        ["track_group"] = new(StringComparer.Ordinal) { ["group"] = "{\n        VI_T\n    }" },
        ["vrrp_track_process"] = new(StringComparer.Ordinal)
        {
            ["process"] = "haproxy", ["param_match"] = "partial", ["weight"] = "-10", ["quorum"] = "1", ["quorum_max"] = "3",
            ["delay"] = "1", ["terminate_delay"] = "1", ["fork_delay"] = "1", ["full_command"] = "",
        },
        ["vrrp_sync_group"] = new(StringComparer.Ordinal)
        {
            ["track_process"] = "{\n        tp\n    }",
            ["notify"] = "\"/bin/true\"", ["notify_backup"] = "\"/bin/true\"", ["notify_fault"] = "\"/bin/true\"",
            ["notify_master"] = "\"/bin/true\"", ["notify_stop"] = "\"/bin/true\"",
        },
        ["vrrp_script"] = new(StringComparer.Ordinal)
        {
            ["script"] = "\"/bin/true\"", ["interval"] = "2", ["timeout"] = "1", ["rise"] = "2", ["fall"] = "2", ["weight"] = "-20", ["user"] = "nobody",
        },
        ["track_file"] = new(StringComparer.Ordinal) { ["file"] = "\"/tmp/vrrp-keyword-test\"", ["weight"] = "-10", ["init_file"] = "" },
        ["vrrp_track_file"] = new(StringComparer.Ordinal) { ["file"] = "\"/tmp/vrrp-keyword-test\"", ["weight"] = "-10", ["init_file"] = "" },
        ["global_defs"] = new(StringComparer.Ordinal)
        {
            // keepalived uses router_id only in e-mail and SNMP, which vrrpd has none of; the writer keeps it.
            ["router_id"] = "LVS_T", ["default_interface"] = "lab0", ["script_user"] = "nobody", ["notify_fifo"] = "/tmp/vrrp-keyword-fifo", ["vrrp_notify_fifo"] = "/tmp/vrrp-keyword-fifo",
            ["vrrp_startup_delay"] = "5", ["vrrp_down_timer_adverts"] = "3",
            ["vrrp_garp_master_delay"] = "5", ["vrrp_garp_master_repeat"] = "5", ["vrrp_garp_master_refresh"] = "60", ["vrrp_garp_master_refresh_repeat"] = "2",
            ["vrrp_garp_lower_prio_delay"] = "5", ["vrrp_garp_lower_prio_repeat"] = "2", ["vrrp_skip_check_adv_addr"] = "",
            ["vrrp_check_unicast_src"] = "", ["vrrp_garp_interval"] = "0.01", ["vrrp_gna_interval"] = "0.01", ["vrrp_mcast_group4"] = "224.0.0.99", ["vrrp_mcast_group6"] = "ff02::99", ["notify_fifo_script"] = "/bin/true", ["vrrp_notify_fifo_script"] = "/bin/true", ["vrrp_rt_priority"] = "10", ["vrrp_no_swap"] = "", ["max_auto_priority"] = "20", ["min_auto_priority_delay"] = "500000",
            ["nftables"] = "vrrp_t", ["vrrp_min_garp"] = "", ["nftables_priority"] = "-2", ["nftables_counters"] = "", ["vrrp_garp_extra_if"] = "all 100", ["disable_local_igmp"] = "", ["vrrp_priority"] = "-5", ["vrrp_cpu_affinity"] = "0", ["vrrp_rlimit_rttime"] = "10000",
        },
    };

    public static TheoryData<string, string> Keywords()
    {
        var data = new TheoryData<string, string>();
        foreach (string line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Keywords", "keepalived-2.2.7.txt")))
        {
            if (line.Length > 0 && line[0] != '#')
            {
                string[] parts = line.Split(' ');
                data.Add(parts[0], parts[1]);
            }
        }

        return data;
    }

    [Fact]
    public void Every_keyword_listed_as_run_is_one_of_keepalived_s()
    {
        // A keyword bound under a name keepalived does not have is a keyword of keepalived's left unbound: vrrpd read
        // "vrrp_nftables" while keepalived 2.2's name is "nftables", whose table names were then dropped.
        var known = Keywords().Select(static row => $"{row.Data.Item1} {row.Data.Item2}").ToHashSet(StringComparer.Ordinal);
        string[] invented = [.. s_run.SelectMany(static section => section.Value.Keys.Select(k => $"{section.Key} {k}")).Where(k => !known.Contains(k))];

        Assert.Empty(invented);
    }

    [Theory]
    [MemberData(nameof(Keywords))]
    public void Each_keyword_is_run_warned_or_refused_at_its_line(string section, string keyword)
    {
        bool run = s_run.TryGetValue(section, out Dictionary<string, string>? runs) && runs.ContainsKey(keyword);
        string value = run ? runs![keyword] : "1";
        (string text, int line) = Config(section, keyword, value);
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(text, "keepalived.conf", new InMemoryKeepalivedFileSystem());
        KeepalivedDiagnostic[] here = [.. result.Errors.Concat(result.Warnings).Where(d => d.Line == line)];

        // The sections the reader skips whole (not VRRP, or not run) say so once, at their first line: that covers
        // every keyword inside them.
        int header = line - 1;
        bool sectionSkipped = section is "garp_group" or "track_group" && result.Warnings.Any(d => d.Line == header);
        if (run)
        {
            // Run: no word at its line that it is not (a warning about the sample value would be a test mistake).
            Assert.True(
                !here.Any(d => d.Message.Contains("not run", StringComparison.Ordinal) || d.Message.Contains("unknown keyword", StringComparison.Ordinal) || d.Message.Contains("ignored", StringComparison.Ordinal)),
                $"{section} {keyword} is listed as run, but: {string.Join(" | ", here.Select(d => d.Message))}\n{text}");
        }
        else
        {
            Assert.True(here.Length > 0 || sectionSkipped, $"{section} {keyword} was read without a word: run it (and list it here), warn, or refuse.\n{text}");
        }
    }

    // A configuration with the keyword at a known line, inside a section that is valid around it.
    private static (string Text, int Line) Config(string section, string keyword, string value)
    {
        var text = new StringBuilder();
        text.Append("vrrp_script chk {\n    script \"/bin/true\"\n}\ntrack_file tf {\n    file \"/tmp/vrrp-keyword-test\"\n}\nvrrp_track_process tp {\n    process x\n}\n");
        string statement = value.Length == 0 ? keyword : $"{keyword} {value}";
        int line;
        switch (section)
        {
            case "(root)":
                line = Lines(text) + 1;
                text.Append(keyword switch
                {
                    "global_defs" or "static_ipaddress" or "static_routes" or "static_rules" or "linkbeat_interfaces" or "interface_up_down_delays" or "garp_group" => $"{keyword} {{\n}}\n",
                    "vrrp_instance" => $"{keyword} VI_R {{\n    interface lab0\n    virtual_router_id 52\n}}\n",
                    "vrrp_sync_group" => $"{keyword} G_R {{\n    group {{\n        VI_T\n    }}\n}}\n",
                    "vrrp_script" => $"{keyword} chk_r {{\n    script \"/bin/true\"\n}}\n",
                    "track_file" or "vrrp_track_file" => $"{keyword} tf_r {{\n    file \"/tmp/vrrp-keyword-test\"\n}}\n",
                    "vrrp_track_process" => $"{keyword} T_R {{\n    process x\n}}\n",
                    "track_group" => $"{keyword} T_R {{\n}}\n",
                    _ => $"{keyword} 1\n",
                });
                text.Append(BaseInstance());
                return (text.ToString(), line);
            case "vrrp_instance":
                return Instance(text, keyword, statement);
            case "vrrp_instance/authentication":
                return Instance(text, "authentication", $"authentication {{\n        {statement}\n    }}", inner: 1);
            case "global_defs":
                line = Lines(text) + 2;
                text.Append(CultureInfo.InvariantCulture, $"global_defs {{\n    {statement}\n}}\n").Append(BaseInstance());
                return (text.ToString(), line);
            case "vrrp_sync_group":
                text.Append(BaseInstance());
                line = Lines(text) + (keyword == "group" ? 2 : 5);
                text.Append(keyword == "group" ? $"vrrp_sync_group G {{\n    {statement}\n}}\n" : $"vrrp_sync_group G {{\n    group {{\n        VI_T\n    }}\n    {statement}\n}}\n");
                return (text.ToString(), line);
            case "vrrp_script":
                line = Lines(text) + 2;
                text.Append(CultureInfo.InvariantCulture, $"vrrp_script chk2 {{\n    {statement}\n").Append(keyword == "script" ? string.Empty : "    script \"/bin/true\"\n").Append("}\n").Append(BaseInstance());
                return (text.ToString(), line);
            case "track_file" or "vrrp_track_file":
                line = Lines(text) + 2;
                text.Append(CultureInfo.InvariantCulture, $"{section} tf2 {{\n    {statement}\n").Append(keyword == "file" ? string.Empty : "    file \"/tmp/vrrp-keyword-test\"\n").Append("}\n").Append(BaseInstance());
                return (text.ToString(), line);
            case "vrrp_track_process":
                line = Lines(text) + 2;
                text.Append(CultureInfo.InvariantCulture, $"{section} tp2 {{\n    {statement}\n").Append(keyword == "process" ? string.Empty : "    process x\n").Append("}\n").Append(BaseInstance());
                return (text.ToString(), line);
            default: // garp_group, track_group: sections read as a whole
                line = Lines(text) + 2;
                text.Append(CultureInfo.InvariantCulture, $"{section} S {{\n    {statement}\n}}\n").Append(BaseInstance());
                return (text.ToString(), line);
        }
    }

    private static (string Text, int Line) Instance(StringBuilder prefix, string keyword, string statement, int inner = 0)
    {
        int line = Lines(prefix) + 2 + inner;
        var text = new StringBuilder(prefix.ToString());
        text.Append(CultureInfo.InvariantCulture, $"vrrp_instance VI_T {{\n    {statement}\n");
        foreach ((string name, string body) in new[]
        {
            ("interface", "interface lab0"), ("virtual_router_id", "virtual_router_id 51"), ("priority", "priority 100"),
            ("advert_int", "advert_int 1"), ("virtual_ipaddress", "virtual_ipaddress {\n        198.51.100.100/24\n    }"),
        })
        {
            if (name != keyword)
            {
                text.Append(CultureInfo.InvariantCulture, $"    {body}\n");
            }
        }

        text.Append("}\n");
        return (text.ToString(), line);
    }

    private static string BaseInstance() =>
        "vrrp_instance VI_T {\n    interface lab0\n    virtual_router_id 51\n    priority 100\n    advert_int 1\n    virtual_ipaddress {\n        198.51.100.100/24\n    }\n}\n";

    private static int Lines(StringBuilder text) => text.ToString().Count(c => c == '\n');
}
