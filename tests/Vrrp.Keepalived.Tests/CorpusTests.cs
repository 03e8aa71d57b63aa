namespace Vrrp.Keepalived.Tests;

/// <summary>
/// Realistic configurations in the styles people write, each opening with its expected outcome:
/// <c># expect-instances: A B</c> and <c># expect-warnings: N</c> for a valid file, <c># expect-error: FILE:LINE: message</c> for each error.
/// </summary>
public sealed class CorpusTests
{
    internal static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static TheoryData<string> Files => [.. System.IO.Directory.GetFiles(Directory, "*.conf").Select(static f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_corpus_holds_at_least_12_valid_and_6_invalid_files()
    {
        string[] files = System.IO.Directory.GetFiles(Directory, "*.conf");

        Assert.True(files.Count(static f => !File.ReadAllText(f).Contains("# expect-error:", StringComparison.Ordinal)) >= 12);
        Assert.True(files.Count(static f => File.ReadAllText(f).Contains("# expect-error:", StringComparison.Ordinal)) >= 6);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_file_reads_to_its_expected_outcome(string file)
    {
        string path = Path.Combine(Directory, file);
        string[] header = File.ReadAllLines(path);
        string[] expectedErrors = [.. Expectations(header, "expect-error").Order(StringComparer.Ordinal)];

        KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(path);

        Assert.Equal(expectedErrors, result.Errors.Select(static e => $"{Path.GetFileName(e.File)}:{e.Line}: {e.Message.Replace(Directory, "CORPUS", StringComparison.Ordinal)}").Order(StringComparer.Ordinal));
        if (expectedErrors.Length > 0)
        {
            KeepalivedConfigurationException error = Assert.Throws<KeepalivedConfigurationException>(() => KeepalivedConfigurationReader.Load(path));
            Assert.Equal(result.Errors, error.Errors);
            return;
        }

        KeepalivedConfiguration configuration = Assert.IsType<KeepalivedConfiguration>(result.Configuration);
        Assert.Equal(Expectations(header, "expect-instances").SelectMany(static l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)), configuration.Instances.Select(static i => i.Name));
        Assert.Equal(int.Parse(Assert.Single(Expectations(header, "expect-warnings")), System.Globalization.CultureInfo.InvariantCulture), result.Warnings.Count);
        Assert.All(configuration.Instances, static i => Assert.Empty(i.CreateOptions().Validate()));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_valid_file_round_trips_through_the_writer(string file)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(Path.Combine(Directory, file));
        if (result.Configuration is not { } first)
        {
            Assert.NotEmpty(result.Errors);
            return;
        }

        string written = KeepalivedConfigurationWriter.Write(first);
        KeepalivedConfiguration second = Conf.Parse(written);

        Assert.Equal(first.WithoutSource(), second.WithoutSource());
        Assert.Equal(written, KeepalivedConfigurationWriter.Write(second));
    }

    [Fact]
    public void Details_of_the_corpus_read_as_written()
    {
        KeepalivedConfiguration backup = KeepalivedConfigurationReader.Load(Path.Combine(Directory, "02-haproxy-pair-backup.conf"));
        KeepalivedInstance vi = backup.Instances[0];
        Assert.Equal("Xk9", vi.AuthenticationPassword);
        Assert.False(vi.Preempt);
        Assert.Equal([new KeepalivedTrack("chk_haproxy", -20)], vi.TrackScripts);

        KeepalivedConfiguration ipv6 = KeepalivedConfigurationReader.Load(Path.Combine(Directory, "04-ipv6-v3.conf"));
        Assert.All(ipv6.Instances, static i => Assert.Equal((Packets.VrrpVersion.V3, false, true), (i.Version, i.AcceptMode, i.LowerPriorityNoAdvert)));

        KeepalivedConfiguration includes = KeepalivedConfigurationReader.Load(Path.Combine(Directory, "07-includes.conf"));
        Assert.Equal("from-include", includes.GlobalDefinitions.RouterId);
        Assert.All(includes.Instances, static i => Assert.Equal(2, i.GarpMasterRepeat));
        Assert.EndsWith("includes/conf.d/10-a.conf", includes.Instances[0].Source.File, StringComparison.Ordinal);

        KeepalivedInstance compact = KeepalivedConfigurationReader.Load(Path.Combine(Directory, "11-one-line-style.conf")).Instances[0];
        // As keepalived reads it (measured with keepalived 2.2.7): one statement a line, so "priority $PRIO advert_int 2"
        // after virtual_router_id and "auth_pass abc" after auth_type are not read, each with a warning, and
        // authentication without a password is dropped. Before, vrrpd read them, and ran priority 110 with a password
        // where keepalived runs 100 without one.
        Assert.Equal(("ens3", 5, 100, TimeSpan.FromSeconds(1)), (compact.Interface, compact.VirtualRouterId, compact.Priority, compact.AdvertisementInterval));
        Assert.Equal(Packets.VrrpAuthenticationType.None, compact.AuthenticationType);
        Assert.Equal(new KeepalivedVirtualAddress("192.0.2.5/24", Device: "ens3"), compact.VirtualAddresses[0]);
        Assert.Equal((true, true, 1), (compact.HigherPrioritySendAdvert, compact.LowerPriorityNoAdvert, compact.GarpLowerPriorityRepeat));

        KeepalivedConfiguration gateway = KeepalivedConfigurationReader.Load(Path.Combine(Directory, "12-multi-instance-gateway.conf"));
        Assert.Equal([TimeSpan.FromSeconds(5)], gateway.Instances.Select(static i => i.StartupDelay).Distinct());
        Assert.Equal([true, true, false], gateway.Instances.Select(static i => i.AcceptMode));
        Assert.Equal(TimeSpan.FromMilliseconds(100), gateway.Instances[0].CreateOptions().AdvertisementInterval);
    }

    private static IEnumerable<string> Expectations(string[] lines, string key) =>
        lines.Where(l => l.StartsWith($"# {key}:", StringComparison.Ordinal)).Select(l => l[(key.Length + 3)..].Trim());
}
