using System.Diagnostics;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// The reader's budgets (issue 18, item 6): regular files only, each read once, capped in size and number, and never
/// echoing what is not configuration. Each case before the fix took minutes and gigabytes, hung, or leaked a file.
/// </summary>
public sealed class ReaderBudgetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vrrp-budget-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Nine_files_each_including_all_nine_stop_at_the_inclusion_budget()
    {
        // Before: every path through the includes was followed: 67 s and 4.2 GB for these nine lines. Now at most
        // 1,000 inclusions (a file included twice counts twice, as keepalived splices includes in place).
        for (int i = 1; i <= 9; i++)
        {
            File.WriteAllText(Path.Combine(_directory, $"f{i}.conf"), "include f*.conf\n");
        }

        var files = new CountingFileSystem(stopAfter: 2000);
        KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(Path.Combine(_directory, "f1.conf"), files);

        Assert.Equal(1 + 1000, files.Reads);
        Assert.Contains(result.Errors, e => e.Message.Contains("a configuration makes at most 1000 inclusions", StringComparison.Ordinal));
        Assert.True(result.Errors.Count < 20_000, $"{result.Errors.Count} errors");
    }

    [Fact]
    public void A_cycle_through_a_link_is_found_and_one_file_may_be_included_twice()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "sub"));
        File.WriteAllText(Path.Combine(_directory, "sub", "vip.conf"), "! nothing\n");
        File.CreateSymbolicLink(Path.Combine(_directory, "link.conf"), Path.Combine(_directory, "sub", "vip.conf"));
        File.CreateSymbolicLink(Path.Combine(_directory, "back.conf"), Path.Combine(_directory, "main.conf"));
        File.WriteAllText(Path.Combine(_directory, "main.conf"), "include sub/vip.conf\ninclude link.conf\ninclude back.conf\n");

        var files = new CountingFileSystem(stopAfter: 100);
        KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(Path.Combine(_directory, "main.conf"), files);

        Assert.Equal(3, files.Reads); // main, and vip.conf twice; back.conf is main.conf, being read
        KeepalivedDiagnostic cycle = Assert.Single(result.Errors);
        Assert.Equal(3, cycle.Line);
        Assert.Contains("makes a cycle", cycle.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_block_included_in_each_instance_reaches_each_instance()
    {
        var files = new InMemoryKeepalivedFileSystem().Add("/etc/keepalived/vip.conf", "virtual_ipaddress {\n 198.51.100.9/24\n}\n");
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(
            "vrrp_instance A {\n interface lab0\n virtual_router_id 1\n include vip.conf\n}\nvrrp_instance B {\n interface lab0\n virtual_router_id 2\n include vip.conf\n}\n",
            "/etc/keepalived/keepalived.conf",
            files);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.All(result.Configuration!.Instances, i => Assert.Equal("198.51.100.9/24", Assert.Single(i.VirtualAddresses).Address));
    }

    [Fact]
    public async Task A_fifo_a_device_or_a_directory_is_refused_at_once_and_never_read()
    {
        // Before: 'include /dev/zero' ran vrrpd out of memory, and a FIFO hung it (a reload then never heard SIGTERM).
        string fifo = Path.Combine(_directory, "pipe.conf");
        using (Process mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Directory.CreateDirectory(Path.Combine(_directory, "dir.conf"));
        File.WriteAllText(Path.Combine(_directory, "main.conf"), $"include /dev/zero\ninclude {fifo}\ninclude dir.conf\n");

        // A hang fails the test instead of stalling the run.
        KeepalivedCheckResult result = await Task.Run(() => KeepalivedConfigurationReader.Check(Path.Combine(_directory, "main.conf")), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        KeepalivedCheckResult root = await Task.Run(() => KeepalivedConfigurationReader.Check(fifo), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Contains(result.Errors, e => e.Line == 1 && e.Message.Contains("it is not a regular file (a character device)", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Line == 2 && e.Message.Contains("it is not a regular file (a FIFO)", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Line == 3 && w.Message.Contains("matches no file", StringComparison.Ordinal)); // a directory is no file
        Assert.Contains("it is not a regular file (a FIFO)", Assert.Single(root.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_the_size_cap_is_refused()
    {
        string big = Path.Combine(_directory, "big.conf");
        using (FileStream stream = File.Create(big))
        {
            stream.SetLength(PhysicalKeepalivedFileSystem.MaxFileBytes + 1);
        }

        File.WriteAllText(Path.Combine(_directory, "main.conf"), "include big.conf\n");
        KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(Path.Combine(_directory, "main.conf"));

        Assert.Contains(result.Errors, e => e.Message.Contains($"larger than the {PhysicalKeepalivedFileSystem.MaxFileBytes}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_that_is_not_configuration_is_never_echoed_in_messages()
    {
        // Before: 'include /etc/shadow' printed each line's first field (user and password hash) as an unknown keyword.
        string shadow = Path.Combine(_directory, "shadow");
        File.WriteAllLines(shadow, Enumerable.Range(0, 40).Select(i => $"user{i}:$y$j9T$SECRETHASH{i}$abc:19000:0:99999:7:::"));
        File.WriteAllText(Path.Combine(_directory, "main.conf"), $"include {shadow}\nvrrp_instanse typo\n");

        KeepalivedCheckResult result = KeepalivedConfigurationReader.Check(Path.Combine(_directory, "main.conf"));
        var messages = result.Warnings.Concat(result.Errors).Select(d => d.ToString()).ToList();

        Assert.DoesNotContain(messages, m => m.Contains("SECRETHASH", StringComparison.Ordinal) || m.Contains("user1", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("is it keepalived configuration?", StringComparison.Ordinal));
        Assert.True(messages.Count(m => m.Contains(shadow, StringComparison.Ordinal)) <= 20, string.Join('\n', messages));
        Assert.Contains(messages, m => m.Contains("unknown keyword 'vrrp_instanse'", StringComparison.Ordinal)); // a typo is still named
    }

    [Fact]
    public void Past_the_file_count_the_rest_is_refused()
    {
        var files = new InMemoryKeepalivedFileSystem();
        for (int i = 0; i < 1100; i++)
        {
            files.Add($"/etc/keepalived/d/{i:D4}.conf", "! empty\n");
        }

        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText("include d/*.conf\n", "/etc/keepalived/keepalived.conf", files);

        Assert.Contains(result.Errors, e => e.Message.Contains("a configuration makes at most 1000 inclusions", StringComparison.Ordinal));
    }

    // The disk, counted; a runaway read count fails the test at once instead of running for minutes.
    private sealed class CountingFileSystem(int stopAfter) : IKeepalivedFileSystem
    {
        public int Reads { get; private set; }

        public string ReadAllText(string path)
        {
            if (++Reads > stopAfter)
            {
                throw new InvalidOperationException($"more than {stopAfter} reads");
            }

            return PhysicalKeepalivedFileSystem.Instance.ReadAllText(path);
        }

        public IReadOnlyList<string> ExpandPattern(string pattern) => PhysicalKeepalivedFileSystem.Instance.ExpandPattern(pattern);

        public string GetFileIdentity(string path) => PhysicalKeepalivedFileSystem.Instance.GetFileIdentity(path);
    }
}
