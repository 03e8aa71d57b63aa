namespace Vrrp.Keepalived.Tests;

/// <summary><c>include</c>: globs, paths relative to the including file, cycles and depth.</summary>
public sealed class IncludeTests
{
    private static string Inst(string name, int vrid) => $"vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n virtual_ipaddress {{\n  192.0.2.{vrid}\n }}\n}}\n";

    [Fact]
    public void A_glob_includes_matching_files_in_order_relative_to_the_including_file()
    {
        var files = new InMemoryKeepalivedFileSystem()
            .Add("/etc/keepalived/conf.d/20-b.conf", Inst("B", 2))
            .Add("/etc/keepalived/conf.d/10-a.conf", Inst("A", 1))
            .Add("/etc/keepalived/conf.d/notes.txt", Inst("TXT", 3));

        KeepalivedConfiguration configuration = Conf.Parse("include conf.d/*.conf\n", files);

        Assert.Equal(["A", "B"], configuration.Instances.Select(static i => i.Name));
        Assert.Equal(new KeepalivedSourceLocation("/etc/keepalived/conf.d/10-a.conf", 1), configuration.Instances[0].Source);
    }

    [Fact]
    public void A_nested_include_is_relative_to_the_file_that_includes_it()
    {
        var files = new InMemoryKeepalivedFileSystem()
            .Add("/etc/keepalived/sites/site.conf", "include ../common/[a-c]?.conf\n")
            .Add("/etc/keepalived/common/a1.conf", Inst("A1", 11))
            .Add("/etc/keepalived/common/d1.conf", Inst("D1", 12));

        KeepalivedConfiguration configuration = Conf.Parse("include sites/site.conf", files);

        Assert.Equal("A1", Assert.Single(configuration.Instances).Name);
    }

    [Fact]
    public void An_include_can_open_a_block_that_the_includer_closes()
    {
        var files = new InMemoryKeepalivedFileSystem().Add("/etc/keepalived/vip.conf", "virtual_ipaddress {\n 192.0.2.9/24\n}\n");

        KeepalivedConfiguration configuration = Conf.Parse("vrrp_instance V {\n interface eth0\n virtual_router_id 9\n include vip.conf\n}\n", files);

        Assert.Equal("192.0.2.9/24", Assert.Single(Assert.Single(configuration.Instances).VirtualAddresses).Address);
    }

    [Fact]
    public void A_cycle_fails_with_the_chain_and_the_include_line()
    {
        var files = new InMemoryKeepalivedFileSystem()
            .Add("/etc/keepalived/a.conf", "\ninclude ./b.conf\n")
            .Add("/etc/keepalived/b.conf", "include /etc/keepalived/a.conf\n");

        KeepalivedConfigurationException error = Conf.Errors("include a.conf\n", files);

        Assert.Equal("/etc/keepalived/b.conf:1: include '/etc/keepalived/a.conf' makes a cycle: /etc/keepalived/a.conf -> /etc/keepalived/b.conf -> /etc/keepalived/a.conf", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void Including_itself_is_a_cycle()
    {
        var files = new InMemoryKeepalivedFileSystem().Add(Conf.File, "include keepalived.conf\n");

        KeepalivedConfigurationException error = Conf.Errors("include keepalived.conf\n", files);

        Assert.Contains("makes a cycle", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Includes_deeper_than_the_limit_fail()
    {
        var files = new InMemoryKeepalivedFileSystem();
        for (int i = 0; i < 40; i++)
        {
            files.Add($"/etc/keepalived/d{i}.conf", $"include d{i + 1}.conf\n");
        }

        files.Add("/etc/keepalived/d40.conf", string.Empty);

        KeepalivedConfigurationException error = Conf.Errors("include d0.conf\n", files);

        Assert.Contains("nested more than 32 includes deep", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pattern_matching_nothing_is_a_warning()
    {
        KeepalivedConfiguration configuration = Conf.Parse("\ninclude /etc/keepalived/conf.d/*.conf\n");

        Assert.Equal($"{Conf.File}:2: include '/etc/keepalived/conf.d/*.conf' matches no file", Assert.Single(configuration.Warnings).ToString());
    }

    [Fact]
    public void Errors_in_an_included_file_name_that_file_and_its_line()
    {
        var files = new InMemoryKeepalivedFileSystem().Add("/etc/keepalived/bad.conf", "\n\nvrrp_instance X {\n interface eth0\n virtual_router_id 300\n}\n");

        KeepalivedConfigurationException error = Conf.Errors("include bad.conf\n", files);

        Assert.Equal("/etc/keepalived/bad.conf:5: virtual_router_id must be 1 to 255; got 300", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void Load_reads_from_the_disk_through_the_physical_file_system()
    {
        string directory = Directory.CreateTempSubdirectory("vrrp-keepalived-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "conf.d"));
            File.WriteAllText(Path.Combine(directory, "keepalived.conf"), "include conf.d/*.conf\n");
            File.WriteAllText(Path.Combine(directory, "conf.d", "vi.conf"), Inst("DISK", 42));

            KeepalivedConfiguration configuration = KeepalivedConfigurationReader.Load(Path.Combine(directory, "keepalived.conf"));

            Assert.Equal(42, Assert.Single(configuration.Instances).VirtualRouterId);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Load_of_a_missing_file_is_a_typed_error()
    {
        KeepalivedConfigurationException error = Assert.Throws<KeepalivedConfigurationException>(() => KeepalivedConfigurationReader.Load("/nonexistent/keepalived.conf"));

        Assert.StartsWith("/nonexistent/keepalived.conf:0: cannot be read", Assert.Single(error.Errors).ToString(), StringComparison.Ordinal);
    }
}
