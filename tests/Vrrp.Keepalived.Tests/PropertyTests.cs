using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Vrrp.Packets;

namespace Vrrp.Keepalived.Tests;

/// <summary>Generated models survive write then read; no text makes the reader throw anything but its typed exception.</summary>
public sealed class PropertyTests
{
    private static readonly string[] s_vocabulary =
    [
        "{", "}", "{ }", "\n", "\n", "\n", " ", "\"", "'", "#", "!", "\\", "$X", "${X}", "$X=1", "$Y=$X $X", "@main", "include", "include *.conf",
        "include x.conf", "global_defs", "vrrp_instance", "vrrp_script", "vrrp_track_file", "track_file", "vrrp_sync_group", "group",
        "virtual_server", "real_server", "notification_email", "interface", "eth0", "virtual_router_id", "priority", "advert_int", "version",
        "state", "MASTER", "BACKUP", "nopreempt", "preempt_delay", "accept", "no_accept", "authentication", "auth_type", "PASS", "AH",
        "auth_pass", "unicast_src_ip", "unicast_peer", "virtual_ipaddress", "virtual_ipaddress_excluded", "dev", "label", "brd", "scope",
        "use_vmac", "garp_master_delay", "garp_master_repeat", "lower_prio_no_advert", "track_script", "track_interface", "weight",
        "reverse", "notify", "notify_master", "script", "interval", "timeout", "rise", "fall", "init_fail", "file", "init_file",
        "vrrp_strict", "vrrp_version", "max_auto_priority", "0", "1", "3", "-1", "255", "256", "300", "0.5", "1e9", "99999999999999999999",
        "192.0.2.1", "192.0.2.1/24", "10.1", "fe80::1", "2001:db8::1/64", "::", "/33", "on", "off", "VI_1", "chk", "tf", "A", "B",
    ];

    private static readonly InMemoryKeepalivedFileSystem s_files = new InMemoryKeepalivedFileSystem()
        .Add("/etc/keepalived/x.conf", "include x.conf\nvrrp_instance I { interface eth0 virtual_router_id 1 virtual_ipaddress { 192.0.2.1 } }\n")
        .Add("/etc/keepalived/y.conf", "vrrp_script chk { script /bin/true }\n{\n");

    [Property(MaxTest = 300)]
    public void A_generated_model_written_and_read_back_is_equal(int seed, string? command, string? name)
    {
        KeepalivedConfiguration model = Generate(new Random(seed), command, name);

        string text = KeepalivedConfigurationWriter.Write(model);
        KeepalivedConfiguration read = Conf.Parse(text);

        Assert.Equal(model, read.WithoutSource());
    }

    [Property(MaxTest = 3000)]
    public void Random_text_never_throws_anything_but_the_typed_exception(string? text) => ParseOrTypedError(text ?? string.Empty);

    [Property(MaxTest = 3000)]
    public void Random_keyword_soup_never_throws_anything_but_the_typed_exception(int seed, PositiveInt length)
    {
        var random = new Random(seed);
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < length.Get % 400; i++)
        {
            text.Append(s_vocabulary[random.Next(s_vocabulary.Length)]).Append(random.Next(4) == 0 ? '\n' : ' ');
        }

        ParseOrTypedError(text.ToString());
    }

    [Property(MaxTest = 2000)]
    public void Mutated_corpus_files_never_throw_anything_but_the_typed_exception(int seed)
    {
        var random = new Random(seed);
        string[] files = Directory.GetFiles(CorpusTests.Directory, "*.conf");
        string text = File.ReadAllText(files[random.Next(files.Length)]);
        for (int m = random.Next(1, 6); m > 0 && text.Length > 0; m--)
        {
            int at = random.Next(text.Length);
            text = random.Next(4) switch
            {
                0 => text.Remove(at, Math.Min(random.Next(1, 40), text.Length - at)),
                1 => text.Insert(at, s_vocabulary[random.Next(s_vocabulary.Length)]),
                2 => text.Insert(at, text.Substring(random.Next(text.Length / 2), Math.Min(80, text.Length / 2))),
                _ => text.Remove(at, 1).Insert(at, ((char)random.Next(0, 128)).ToString()),
            };
        }

        ParseOrTypedError(text);
    }

    private static void ParseOrTypedError(string text)
    {
        try
        {
            _ = KeepalivedConfigurationReader.Parse(text, "/etc/keepalived/keepalived.conf", s_files);
        }
        catch (KeepalivedConfigurationException error)
        {
            Assert.NotEmpty(error.Errors);
        }

        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(text, "/etc/keepalived/keepalived.conf", s_files);
        Assert.Equal(result.IsValid, result.Configuration is not null);
    }

    // Models whose every value is one the reader can produce: instances spelled out, global defaults consistent.
    internal static KeepalivedConfiguration Generate(Random r, string? freeText, string? freeName)
    {
        T Pick<T>(params T[] items) => items[r.Next(items.Length)];
        TimeSpan Secs(int maxTenths) => TimeSpan.FromSeconds(r.Next(maxTenths + 1) / 10.0);
        string Word(string prefix) => prefix + r.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? Maybe(string? value) => r.Next(3) == 0 ? null : value;
        string Free() => freeText ?? Word("/usr/bin/x");

        var global = new KeepalivedGlobalDefinitions
        {
            RouterId = Maybe(freeName is { Length: > 0 } ? freeName : Word("node-")),
            VrrpVersion = r.Next(3) == 0 ? null : Pick(VrrpVersion.V2, VrrpVersion.V3),
            GarpMasterDelay = r.Next(2) == 0 ? null : Secs(2550),
            GarpMasterRepeat = r.Next(2) == 0 ? null : r.Next(256),
            GarpMasterRefresh = r.Next(2) == 0 ? null : Secs(10000),
            GarpMasterRefreshRepeat = r.Next(2) == 0 ? null : r.Next(1, 256),
            GarpLowerPriorityDelay = r.Next(2) == 0 ? null : Secs(2550),
            GarpLowerPriorityRepeat = r.Next(2) == 0 ? null : r.Next(256),
            GarpInterval = r.Next(2) == 0 ? null : TimeSpan.FromTicks(r.Next(10_000_001)),
            GnaInterval = r.Next(2) == 0 ? null : TimeSpan.FromTicks(r.Next(10_000_001)),
            DownTimerAdverts = r.Next(2) == 0 ? null : r.Next(1, 101),
            LowerPriorityNoAdvert = r.Next(3) == 0 ? null : r.Next(2) == 0,
            HigherPrioritySendAdvert = r.Next(3) == 0 ? null : r.Next(2) == 0,
            CheckUnicastSource = r.Next(2) == 0,
            SkipCheckAdvertAddress = r.Next(2) == 0,
            Strict = r.Next(2) == 0,
            StartupDelay = r.Next(2) == 0 ? null : Secs(36000),
            MulticastGroup4 = Maybe("224.0.0.19"),
            MulticastGroup6 = Maybe("ff02::13"),
            ScriptUser = Maybe(Pick("keepalived_script", "nobody nogroup")),
            EnableScriptSecurity = r.Next(2) == 0,
            NotifyFifo = Maybe(Free()),
            NotifyFifoScript = Maybe(Free()),
            VrrpNotifyFifo = Maybe(Free()),
            VrrpNotifyFifoScript = Maybe(Free()),
            MaxAutoPriority = r.Next(2) == 0 ? null : r.Next(-1, 100),
        };

        var scripts = Enumerable.Range(0, r.Next(3)).Select(k => new KeepalivedScript
        {
            Name = "chk" + k,
            Command = Free(),
            Interval = TimeSpan.FromMilliseconds(r.Next(1, 100_000)),
            Timeout = r.Next(2) == 0 ? null : TimeSpan.FromMilliseconds(r.Next(1, 100_000)),
            Rise = r.Next(1, 65536),
            Fall = r.Next(1, 65536),
            Weight = r.Next(-253, 254),
            WeightReverse = r.Next(2) == 0,
            User = Maybe(Pick("root", "nobody nogroup")),
            InitFail = r.Next(2) == 0,
        }).ToList();
        var trackFiles = Enumerable.Range(0, r.Next(3)).Select(k => new KeepalivedTrackFile
        {
            Name = "tf" + k,
            File = Free(),
            Weight = r.Next(-254, 255),
            WeightReverse = r.Next(2) == 0,
            InitFileValue = r.Next(2) == 0 ? null : r.Next(int.MinValue, int.MaxValue),
            InitFileOverwrite = false,
        }).Select(t => t with { InitFileOverwrite = t.InitFileValue is not null && r.Next(2) == 0 }).ToList();

        KeepalivedTrack Track(string name, int min, int max) => new(name, r.Next(2) == 0 ? null : r.Next(min, max + 1), r.Next(2) == 0);

        var instances = Enumerable.Range(0, r.Next(1, 4)).Select(k =>
        {
            bool ipv6 = r.Next(3) == 0;
            VrrpVersion version = ipv6 ? VrrpVersion.V3 : Pick(VrrpVersion.V2, VrrpVersion.V3);
            VrrpAuthenticationType auth = version == VrrpVersion.V2 ? Pick(VrrpAuthenticationType.None, VrrpAuthenticationType.SimplePassword, VrrpAuthenticationType.IPAuthenticationHeader) : VrrpAuthenticationType.None;
            return new KeepalivedInstance
            {
                Name = k == 0 && freeName is { Length: > 0 } ? freeName : "VI_" + k,
                State = Pick(KeepalivedState.Backup, KeepalivedState.Master),
                Interface = "eth" + k,
                VirtualRouterId = r.Next(1, 256),
                Priority = r.Next(1, 256),
                AdvertisementInterval = version == VrrpVersion.V2 ? TimeSpan.FromSeconds(r.Next(1, 256)) : TimeSpan.FromMilliseconds(10 * r.Next(1, 4096)),
                Version = version,
                Preempt = r.Next(2) == 0,
                PreemptDelay = Secs(10000),
                AcceptMode = r.Next(2) == 0,
                AuthenticationType = auth,
                AuthenticationPassword = auth == VrrpAuthenticationType.None ? null : Pick("a", "12345678", "p@ss wd"),
                SourceAddress = Maybe(ipv6 ? "fe80::2" : "192.0.2.2"),
                UnicastPeers = r.Next(2) == 0 ? [] : ipv6 ? ["fe80::3", "2001:db8::3"] : ["192.0.2.3", "192.0.2.4"],
                VirtualAddresses = ipv6
                    ? [new("fe80::1/64", Scope: Maybe("global")), new("2001:db8::1/64", Device: Maybe("eth9"), Label: null)]
                    : [new("198.51.100.1/24", Device: Maybe("eth0"), Label: Maybe("eth0:1"), Broadcast: Maybe("198.51.100.255"), Scope: Maybe("global")), new("198.51.100.2/32")],
                ExcludedVirtualAddresses = r.Next(2) == 0 ? [] : [new("203.0.113.9/24", Device: Maybe("eth3"))],
                UseVirtualMac = r.Next(2) == 0,
                GarpMasterDelay = Secs(2550),
                GarpMasterRepeat = r.Next(256),
                GarpMasterRefresh = TimeSpan.FromSeconds(r.Next(86401)),
                GarpMasterRefreshRepeat = r.Next(1, 256),
                GarpLowerPriorityDelay = Secs(2550),
                GarpLowerPriorityRepeat = r.Next(256),
                LowerPriorityNoAdvert = r.Next(2) == 0,
                HigherPrioritySendAdvert = r.Next(2) == 0,
                DownTimerAdverts = r.Next(1, 101),
                StartupDelay = global.StartupDelay ?? TimeSpan.Zero,
                TrackScripts = [.. scripts.Where(_ => r.Next(2) == 0).Select(s => Track(s.Name, -253, 253))],
                TrackInterfaces = r.Next(2) == 0 ? [] : [Track("eth7", -253, 253)],
                TrackFiles = [.. trackFiles.Where(_ => r.Next(2) == 0).Select(t => Track(t.Name, -254, 254))],
                Notify = Maybe(Free()),
                NotifyMaster = Maybe(Free()),
                NotifyBackup = Maybe(Free()),
                NotifyFault = Maybe(Free()),
                NotifyStop = Maybe(Free()),
                NotifyMasterRxLowerPriority = Maybe(Free()),
            };
        }).Select(i => i with { VirtualMacInterface = i.UseVirtualMac ? Maybe("vrrp." + i.VirtualRouterId) : null })
            // What keepalived itself normalizes (and the reader with it, with a warning): state MASTER preempts at once,
            // vrrp_strict has no authentication, and no accept mode for a VRRPv2 instance that is not the owner.
            .Select(i => i.State == KeepalivedState.Master ? i with { Preempt = true, PreemptDelay = TimeSpan.Zero } : i)
            .Select(i => global.Strict ? i with { AuthenticationType = VrrpAuthenticationType.None, AuthenticationPassword = null } : i)
            .Select(i => global.Strict && i.Version == VrrpVersion.V2 && i.Priority != 255 ? i with { AcceptMode = false } : i)
            .ToList();

        // One VRID per interface and family is the rule, so make them distinct.
        instances = [.. instances.Select((i, k) => i with { VirtualRouterId = 10 + k })];
        var groups = instances.Count >= 2 && r.Next(2) == 0
            ? new List<KeepalivedSyncGroup>
            {
                new()
                {
                    Name = "G1",
                    Group = [.. instances.Select(static i => i.Name)],
                    TrackScripts = [.. scripts.Take(1).Select(s => Track(s.Name, -253, 253))],
                    TrackInterfaces = [Track("eth8", -253, 253)],
                    TrackFiles = [.. trackFiles.Take(1).Select(t => Track(t.Name, -254, 254))],
                    Notify = Maybe(Free()),
                    NotifyMaster = Maybe(Free()),
                    NotifyBackup = Maybe(Free()),
                    NotifyFault = Maybe(Free()),
                    NotifyStop = Maybe(Free()),
                },
            }
            : [];

        return new KeepalivedConfiguration { GlobalDefinitions = global, Instances = instances, Scripts = scripts, TrackFiles = trackFiles, SyncGroups = groups };
    }
}
