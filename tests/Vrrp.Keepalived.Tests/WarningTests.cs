namespace Vrrp.Keepalived.Tests;

/// <summary>Unknown keywords and non-VRRP sections warn with their file and line, and never stop the read.</summary>
public sealed class WarningTests
{
    [Fact]
    public void Non_VRRP_sections_are_skipped_whole_with_one_warning_each()
    {
        KeepalivedConfiguration configuration = Conf.Parse("""
            global_defs {
               notification_email {
                 acassen@firewall.loc
                 failover@firewall.loc
               }
               notification_email_from Alexandre.Cassen@firewall.loc
               smtp_server 192.168.200.1
               smtp_connect_timeout 30
               lvs_flush
               router_id LVS_DEVEL
            }
            virtual_server 10.10.10.2 1358 {
                delay_loop 6
                lb_algo rr
                real_server 192.168.200.2 1358 {
                    weight 1
                    HTTP_GET {
                        url { path /testurl/test.jsp }
                    }
                }
            }
            bfd_instance b1 {
                neighbor_ip 198.51.100.1
            }
            """);

        Assert.Equal("LVS_DEVEL", configuration.GlobalDefinitions.RouterId);
        Assert.Equal(
            [
                "2: 'notification_email' is not VRRP configuration and is not supported here; the whole block is skipped",
                "6: 'notification_email_from' is not VRRP configuration and is not supported here; ignored",
                "7: 'smtp_server' is not VRRP configuration and is not supported here; ignored",
                "8: 'smtp_connect_timeout' is not VRRP configuration and is not supported here; ignored",
                "9: 'lvs_flush' is not VRRP configuration and is not supported here; ignored",
                "12: 'virtual_server' is not VRRP configuration and is not supported here; the whole block is skipped",
                "22: 'bfd_instance' is not VRRP configuration and is not supported here; the whole block is skipped",
            ],
            configuration.Warnings.Select(static w => $"{w.Line}: {w.Message}"));
    }

    [Fact]
    public void Unknown_keywords_warn_with_their_line_and_section()
    {
        KeepalivedConfiguration configuration = Conf.Parse("""
            global_defs {
                router_idd typo
            }
            frobnicate 1
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                priorty 100
                use_ipvlan
                virtual_ipaddress {
                    192.0.2.1/24 dev eth0 use_vmac
                }
            }
            """);

        Assert.Equal(
            [
                $"{Conf.File}:2: unknown keyword 'router_idd' in global_defs; ignored",
                $"{Conf.File}:4: unknown keyword 'frobnicate' in the top level; ignored",
                $"{Conf.File}:8: unknown keyword 'priorty' in vrrp_instance VI_1; ignored",
                $"{Conf.File}:9: 'use_ipvlan' is not supported here; ignored",
                $"{Conf.File}:11: virtual_ipaddress: 'use_vmac' is not supported here; ignored",
            ],
            configuration.Warnings.Select(static w => w.ToString()));
    }

    [Fact]
    public void A_mask_or_range_after_a_peer_or_source_is_cut_off_without_a_word_as_keepalived_does()
    {
        // The differential harness showed keepalived sending unicast to '198.51.100.12/32' (inet_stosockaddr cuts
        // '/MASK' and '-RANGE'), where vrrpd skipped the peer and the source, and so sent multicast.
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(Conf.Instance("    unicast_src_ip 198.51.100.11/32\n    unicast_peer {\n        198.51.100.12/32\n        198.51.100.13-20\n    }"), Conf.File, new InMemoryKeepalivedFileSystem());

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        KeepalivedInstance instance = Assert.Single(result.Configuration!.Instances);
        Assert.Equal("198.51.100.11", instance.SourceAddress);
        Assert.Equal(["198.51.100.12", "198.51.100.13"], instance.UnicastPeers);
    }

    [Theory]
    [InlineData("unicast_src_ip 198.51.100.300", "is not an IPv4 or IPv6 address: ignored, as keepalived ignores it")]
    [InlineData("mcast_src_ip 224.0.0.1", "is a multicast address, which no advert can be sent from: ignored")]
    [InlineData("unicast_peer {\n 198.51.100.312\n 198.51.100.13\n }", "is not an IPv4 or IPv6 address: the peer is skipped, as keepalived skips it")]
    public void An_address_keepalived_cannot_read_is_skipped_with_a_warning_and_the_instance_runs(string line, string warning)
    {
        // Before: an error, so vrrpd refused a file keepalived runs (seen in a real AWS configuration: peers with /32).
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(Conf.Instance("    " + line), Conf.File, new InMemoryKeepalivedFileSystem());

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Message.Contains(warning, StringComparison.Ordinal));
        KeepalivedInstance instance = Assert.Single(result.Configuration!.Instances);
        Assert.True(instance.SourceAddress is null && instance.UnicastPeers.All(p => p == "198.51.100.13"));
    }

    [Fact]
    public void An_ipv6_unicast_src_ip_runs_and_one_of_the_other_family_is_ignored_with_a_warning()
    {
        // Before: an IPv6 unicast_src_ip was warned "not run" and adverts left from the link-local address.
        KeepalivedCheckResult v6 = KeepalivedConfigurationReader.CheckText(
            "vrrp_instance V {\n interface lab0\n virtual_router_id 9\n unicast_src_ip 2001:db8:51::11\n unicast_peer {\n 2001:db8:51::12\n }\n virtual_ipaddress {\n 2001:db8:51::100/64\n }\n}\n",
            Conf.File,
            new InMemoryKeepalivedFileSystem());
        Assert.Empty(v6.Errors);
        Assert.Empty(v6.Warnings);
        Assert.Equal("2001:db8:51::11", v6.Configuration!.Instances[0].CreateOptions().SourceAddress);

        KeepalivedCheckResult mixed = KeepalivedConfigurationReader.CheckText(
            "vrrp_instance V {\n interface lab0\n virtual_router_id 9\n unicast_src_ip 2001:db8:51::11\n virtual_ipaddress {\n 198.51.100.100/24\n }\n}\n",
            Conf.File,
            new InMemoryKeepalivedFileSystem());
        Assert.Empty(mixed.Errors);
        Assert.Contains(mixed.Warnings, w => w.Message.Contains("is not of the family of the instance's addresses: ignored", StringComparison.Ordinal));
        Assert.Null(mixed.Configuration!.Instances[0].CreateOptions().SourceAddress);
    }

    [Fact]
    public void Extra_values_on_a_line_warn()
    {
        KeepalivedConfiguration configuration = Conf.Parse(Conf.Instance("    priority 100 200"));

        Assert.Equal(100, configuration.Instances[0].Priority);
        Assert.Equal($"{Conf.File}:6: priority takes at most 1 value(s); '200' and the rest of the line are ignored", Assert.Single(configuration.Warnings).ToString());
    }

    [Fact]
    public void Check_lists_warnings_and_errors_without_throwing()
    {
        KeepalivedCheckResult result = Conf.Check("bogus\n" + Conf.Instance("priority 999", before: string.Empty));

        Assert.False(result.IsValid);
        Assert.Equal($"{Conf.File}:1: unknown keyword 'bogus' in the top level; ignored", Assert.Single(result.Warnings).ToString());
        Assert.Equal($"{Conf.File}:5: priority must be 1 to 255; got 999", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Unicast_peers_with_different_ttl_ranges_get_the_widest_with_a_warning_that_says_so()
    {
        // keepalived checks min_ttl/max_ttl per peer; vrrpd checks one range per router. Before, both were read and
        // dropped: a unicast router accepted any TTL.
        KeepalivedConfiguration configuration = Conf.Parse("vrrp_instance V {\n interface eth0\n virtual_router_id 9\n unicast_peer {\n  192.0.2.2 min_ttl 250\n  192.0.2.3 min_ttl 200 max_ttl 254\n }\n virtual_ipaddress {\n  192.0.2.9/24\n }\n}\n");

        VirtualRouterOptions options = configuration.Instances[0].CreateOptions();
        Assert.Equal((200, 255), (options.UnicastMinimumHopLimit, options.UnicastMaximumHopLimit));
        Assert.Contains(configuration.Warnings, w => w.Line == 4 && w.Message.Contains("the widest, 200 to 255", StringComparison.Ordinal));
    }

    [Fact]
    public void State_master_clears_nopreempt_and_preempt_delay_as_keepalived_does()
    {
        // Before: kept, so the node meant to be master never took its address back after a failover.
        KeepalivedConfiguration configuration = Conf.Parse(Conf.Instance("    state MASTER\n    nopreempt\n    preempt_delay 30"));

        KeepalivedInstance instance = configuration.Instances[0];
        Assert.True(instance.Preempt);
        Assert.Equal(TimeSpan.Zero, instance.PreemptDelay);
        Assert.Contains(configuration.Warnings, w => w.Line == 7 && w.Message.Contains("nopreempt does not work with state MASTER", StringComparison.Ordinal));
        Assert.Contains(configuration.Warnings, w => w.Line == 8 && w.Message.Contains("preempt_delay does not work with state MASTER", StringComparison.Ordinal));
    }

    [Fact]
    public void Vrrp_strict_drops_authentication_as_keepalived_does()
    {
        // keepalived's own sample config (vrrp_strict with auth_type PASS) beside a keepalived peer: keepalived sends
        // without authentication, so we must too, or neither hears the other and both are master.
        KeepalivedConfiguration configuration = Conf.Parse(Conf.Instance("    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }", before: "global_defs {\n    vrrp_strict\n}\n"));

        KeepalivedInstance instance = configuration.Instances[0];
        Assert.Equal(Packets.VrrpAuthenticationType.None, instance.AuthenticationType);
        Assert.Null(instance.AuthenticationPassword);
        Assert.Contains(configuration.Warnings, w => w.Message.Contains("vrrp_strict does not allow authentication: ignored", StringComparison.Ordinal));
    }
}
