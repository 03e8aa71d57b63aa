namespace Vrrp.Keepalived.Tests;

/// <summary>Comments, quoting, braces where people put them, and parameter substitution.</summary>
public sealed class SyntaxTests
{
    [Fact]
    public void Hash_and_bang_comments_are_ignored_anywhere_outside_quotes()
    {
        KeepalivedInstance instance = Conf.ParseInstance("""
            # a whole-line comment
            ! another one
                priority 90   # trailing comment
                advert_int 2 ! trailing bang
                notify "/bin/echo #not-a-comment !nor-this"
            """);

        Assert.Equal(90, instance.Priority);
        Assert.Equal(TimeSpan.FromSeconds(2), instance.AdvertisementInterval);
        Assert.Equal("/bin/echo #not-a-comment !nor-this", instance.Notify);
    }

    [Fact]
    public void Quotes_join_words_and_backslash_escapes_work_inside_them()
    {
        KeepalivedInstance instance = Conf.ParseInstance("""
                notify_master "/usr/local/bin/tell ops"
                notify_backup '/bin/echo "quoted"'
                notify_fault ab"c d"ef
                notify_stop "tab\there \"q\" back\\slash"
            """);

        Assert.Equal("/usr/local/bin/tell ops", instance.NotifyMaster);
        Assert.Equal("/bin/echo \"quoted\"", instance.NotifyBackup);
        Assert.Equal("abc def", instance.NotifyFault);
        Assert.Equal("tab\there \"q\" back\\slash", instance.NotifyStop);
    }

    [Fact]
    public void Brace_on_the_next_line_and_blocks_on_one_line_read_as_keepalived_reads_them()
    {
        KeepalivedConfiguration configuration = Conf.Parse("""
            vrrp_instance VI_1
            {
                interface eth0
                virtual_router_id 51
                authentication { auth_type PASS auth_pass secret }
                unicast_src_ip 10.0.0.1
                unicast_peer { 10.0.0.2 10.0.0.3 }
                virtual_ipaddress { 10.0.0.100/24 dev eth0 10.0.0.101/24 }
                priority 150 advert_int 3 nopreempt
            }
            """);

        // One statement a line, as keepalived 2.2.7 reads it (measured): "auth_pass secret" after auth_type's value and
        // "advert_int 3 nopreempt" after priority's are not read, and authentication without a password is dropped.
        // Before, vrrpd read them all and ran with a password and nopreempt where keepalived runs with neither.
        KeepalivedInstance instance = Assert.Single(configuration.Instances);
        Assert.Equal(Packets.VrrpAuthenticationType.None, instance.AuthenticationType);
        Assert.Equal(["10.0.0.2", "10.0.0.3"], instance.UnicastPeers);
        Assert.Equal([new KeepalivedVirtualAddress("10.0.0.100/24", Device: "eth0"), new KeepalivedVirtualAddress("10.0.0.101/24")], instance.VirtualAddresses);
        Assert.Equal(150, instance.Priority);
        Assert.Equal(TimeSpan.FromSeconds(1), instance.AdvertisementInterval);
        Assert.True(instance.Preempt);
        Assert.Equal([5, 5, 9], configuration.Warnings.WithoutNotRun().Select(static w => w.Line)); // auth_pass, no password, advert_int
    }

    [Fact]
    public void A_quoted_word_is_a_value_even_when_it_spells_a_keyword()
    {
        // keepalived's use_vmac takes the word after it as the macvlan's name, quoted or not: one statement a line.
        KeepalivedInstance split = Conf.ParseInstance("    use_vmac nopreempt");
        KeepalivedInstance quoted = Conf.ParseInstance("    use_vmac \"nopreempt\"");

        Assert.Equal((true, "nopreempt", true), (split.UseVirtualMac, split.VirtualMacInterface, split.Preempt));
        Assert.Equal((true, "nopreempt", true), (quoted.UseVirtualMac, quoted.VirtualMacInterface, quoted.Preempt));
        KeepalivedConfiguration written = Conf.Parse(KeepalivedConfigurationWriter.Write(new KeepalivedConfiguration { Instances = [quoted] }));
        Assert.Equal(quoted with { Source = default }, Assert.Single(written.Instances) with { Source = default });
    }

    [Fact]
    public void A_whole_instance_on_one_line_reads_its_first_keyword_only_as_keepalived_does()
    {
        // keepalived 2.2.7 reads "interface eth1" and nothing after it on that line (its -t: "Unexpected '{'",
        // "Unknown keyword '198.51.100.7'"); no virtual_router_id, so the instance is refused. Before, vrrpd read it all.
        KeepalivedCheckResult result = Conf.Check("vrrp_instance X { interface eth1 virtual_router_id 7 priority 20 virtual_ipaddress { 198.51.100.7 } }");

        Assert.Contains(result.Warnings, w => w.Line == 1 && w.Message.Contains("'virtual_router_id' and the rest of the line are ignored", StringComparison.Ordinal) && w.Message.Contains("write it on a line of its own", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Message.Contains("virtual_router_id is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void State_master_without_a_priority_is_the_address_owner_as_keepalived_derives_it()
    {
        // Measured with keepalived 2.2.7: "state MASTER priority 200" on one line sends priority 255 (the priority is not
        // read, and a MASTER without one owns the addresses). Before, vrrpd sent 200.
        KeepalivedCheckResult oneLine = Conf.Check("vrrp_instance X {\n interface eth1\n virtual_router_id 7\n state MASTER priority 200\n virtual_ipaddress {\n  198.51.100.7\n }\n}\n");
        KeepalivedCheckResult backup = Conf.Check("vrrp_instance X {\n interface eth1\n virtual_router_id 7\n state BACKUP\n virtual_ipaddress {\n  198.51.100.7\n }\n}\n");

        Assert.Equal(255, oneLine.Configuration!.Instances[0].Priority);
        Assert.Contains(oneLine.Warnings, w => w.Line == 4 && w.Message.Contains("'priority'", StringComparison.Ordinal));
        Assert.Equal(100, backup.Configuration!.Instances[0].Priority);
    }

    [Fact]
    public void Blocks_still_open_at_the_end_of_the_file_are_closed_there_with_a_warning_as_keepalived_does()
    {
        // keepalived 2.2.7 -t: "There are 1 missing '}'s or extra '{'s", and the configuration runs. Before: refused.
        KeepalivedCheckResult result = Conf.Check("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.10/24\n");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Contains(result.Warnings, w => w.Line == 4 && w.Message.Contains("closed at the end of the file", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Line == 1 && w.Message.Contains("closed at the end of the file", StringComparison.Ordinal));
        Assert.Equal("192.0.2.10/24", Assert.Single(result.Configuration!.Instances[0].VirtualAddresses).Address);
    }

    [Fact]
    public void A_stray_closing_brace_fails_with_its_line()
    {
        KeepalivedConfigurationException error = Conf.Errors("global_defs {\n}\n}\n");

        Assert.Equal($"{Conf.File}:3: unbalanced braces: '}}' closes no open block", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void An_unclosed_quote_fails_with_its_line()
    {
        KeepalivedConfigurationException error = Conf.Errors(Conf.Instance("    notify \"/bin/true"));

        Assert.Contains($"{Conf.File}:6: the quoted string opened with \" is not closed on this line", Conf.Lines(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_are_substituted_recursively_at_use_and_undefined_ones_stay()
    {
        KeepalivedConfiguration configuration = Conf.Parse("""
            $BASE=10.2.${SUB}
            $SUB=0
            $PRIO=240
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                priority $PRIO
                notify "/bin/echo ${UNDEFINED} $HOME"
                virtual_ipaddress {
                    ${BASE}.100/32
                }
            }
            """);

        KeepalivedInstance instance = Assert.Single(configuration.Instances);
        Assert.Equal(240, instance.Priority);
        Assert.Equal("10.2.0.100/32", Assert.Single(instance.VirtualAddresses).Address);
        Assert.Equal("/bin/echo ${UNDEFINED} $HOME", instance.Notify);
    }

    [Fact]
    public void A_parameter_that_expands_forever_is_an_error_not_a_hang()
    {
        KeepalivedConfigurationException error = Conf.Errors("$A=x $A \n$A \n");

        Assert.Contains($"{Conf.File}:2: parameter substitution does not end", Conf.Lines(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Conditional_lines_are_ignored_with_a_warning()
    {
        KeepalivedConfiguration configuration = Conf.Parse("@main $PRIO=1\n" + Conf.Instance(string.Empty));

        Assert.Equal($"{Conf.File}:1: conditional configuration ('@ID ...') is not supported here; line ignored", Assert.Single(configuration.Warnings).ToString());
    }

    [Fact]
    public void Deep_nesting_is_reported_not_a_stack_overflow()
    {
        string text = new string('{', 100_000) + new string('}', 100_000);

        KeepalivedCheckResult result = Conf.Check("x " + text);

        Assert.False(result.IsValid);
        Assert.Contains("nested more than", Conf.Lines(result.Errors), StringComparison.Ordinal);
    }
}
