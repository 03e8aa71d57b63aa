using System.Buffers.Binary;
using System.Net.Sockets;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Protocol;
using Vrrp.Transport;

namespace Vrrp.Testing.Tests;

/// <summary>The router configuration a bad-input case runs against.</summary>
internal enum AttackCluster
{
    /// <summary>VRRPv3 over IPv4, multicast, no authentication.</summary>
    V3,

    /// <summary>VRRPv3 over IPv6, multicast.</summary>
    V3IPv6,

    /// <summary>VRRPv3 over IPv4 to unicast peers r1 and r2 only.</summary>
    V3Unicast,

    /// <summary>VRRPv2 with the simple password <c>labpass</c>.</summary>
    V2Password,

    /// <summary>VRRPv2 with the IP Authentication Header, key <c>labpass</c>.</summary>
    V2AuthenticationHeader,
}

/// <summary>
/// One row of the bad-input table: what a rogue host on the segment sends to a running master (r1, priority 100) and
/// a running backup (r2, priority 90), and the counter that must count it. Shared by the tests and by
/// <c>Vrrp.Benchmarks -- --attack</c>, which prints the table.
/// </summary>
/// <param name="Input">What is sent, for the table.</param>
/// <param name="Cluster">The configuration of r1 and r2.</param>
/// <param name="Counter">The counter's name, for the table.</param>
/// <param name="Read">Reads the counter of one router (its dispatcher given for VRID errors, which no router sees).</param>
/// <param name="ExpectedAtMaster">The count expected at the master.</param>
/// <param name="ExpectedAtBackup">The count expected at the backup.</param>
/// <param name="Inject">Sends the input.</param>
/// <param name="Note">Why an expectation is what it is, when not obvious; else <see langword="null"/>.</param>
internal sealed record BadInputCase(
    string Input,
    AttackCluster Cluster,
    string Counter,
    Func<VirtualRouter, AdvertisementDispatcher, long> Read,
    long ExpectedAtMaster,
    long ExpectedAtBackup,
    Action<BadInputContext> Inject,
    string? Note = null)
{
    /// <inheritdoc/>
    public override string ToString() => Input;
}

/// <summary>What an injection can reach: the simulation and the rogue host.</summary>
/// <param name="Sim">The running cluster: r1 master, r2 backup.</param>
/// <param name="Rogue">A host on the segment that runs no router.</param>
internal sealed record BadInputContext(VrrpSimulation Sim, InMemoryHost Rogue)
{
    public static readonly PackedIPAddress Group = PackedIPAddress.Parse("224.0.0.18");

    public void Multicast(byte[] datagram)
    {
        if (!Rogue.GetTransport(AddressFamily.InterNetwork).Send(datagram, Group))
        {
            throw new InvalidOperationException("the rogue host could not send");
        }

        Sim.RunFor(TimeSpan.FromMilliseconds(1));
    }
}

/// <summary>What one case did, next to a control run of the same cluster with nothing injected.</summary>
internal sealed record BadInputOutcome(
    BadInputCase Case,
    string MasterBefore,
    string MasterAfter,
    string BackupBefore,
    string BackupAfter,
    long CountAtMaster,
    long CountAtBackup,
    long OtherDiscards,
    TimeSpan Takeover,
    TimeSpan ControlTakeover,
    bool HistoriesMatchControl,
    bool AdvertsMatchControl)
{
    public IEnumerable<string> Failures()
    {
        if (MasterBefore != "r1 Master" || MasterAfter != MasterBefore)
        {
            yield return $"master {MasterBefore} -> {MasterAfter}";
        }

        if (BackupBefore != "r2 Backup" || BackupAfter != BackupBefore)
        {
            yield return $"backup {BackupBefore} -> {BackupAfter}";
        }

        if (CountAtMaster != Case.ExpectedAtMaster || CountAtBackup != Case.ExpectedAtBackup)
        {
            yield return $"{Case.Counter}: master {CountAtMaster} (expected {Case.ExpectedAtMaster}), backup {CountAtBackup} (expected {Case.ExpectedAtBackup})";
        }

        if (OtherDiscards != 0)
        {
            yield return $"{OtherDiscards} packets counted under another reason";
        }

        if (Takeover != ControlTakeover)
        {
            yield return $"takeover {Takeover} after the crash, {ControlTakeover} without the attack";
        }

        if (!HistoriesMatchControl)
        {
            yield return "state histories differ from the control run";
        }

        if (!AdvertsMatchControl)
        {
            yield return "the master sent a different number of adverts than in the control run";
        }
    }
}

/// <summary>The bad-input cases and their runner.</summary>
internal static class BadInputCases
{
    public const int FloodPerSecond = 10_000;
    public static readonly TimeSpan FloodDuration = TimeSpan.FromSeconds(10);
    private const string Password = "labpass";

    // Attacks start at 10 s, when r1 is master and r2 backup; at 25 s r1 crashes and r2's takeover time is compared
    // with the control run's, so a timer moved by the attack shows up as a different instant.
    private static readonly TimeSpan s_attackAt = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_crashAt = TimeSpan.FromSeconds(25);

    public static IReadOnlyList<BadInputCase> All { get; } = Create();

    public static BadInputCase Named(string input) => All.First(c => c.Input == input);

    public static BadInputOutcome Run(BadInputCase testCase)
    {
        Played control = Play(testCase, inject: false);
        Played attacked = Play(testCase, inject: true);
        return new BadInputOutcome(
            testCase,
            attacked.MasterBefore,
            attacked.MasterAfter,
            attacked.BackupBefore,
            attacked.BackupAfter,
            attacked.CountAtMaster,
            attacked.CountAtBackup,
            attacked.TotalDiscards - control.TotalDiscards - attacked.CountAtMaster - attacked.CountAtBackup,
            attacked.Takeover,
            control.Takeover,
            attacked.Histories.SequenceEqual(control.Histories),
            attacked.MasterAdvertsSent == control.MasterAdvertsSent);
    }

    private static Played Play(BadInputCase testCase, bool inject)
    {
        using VrrpSimulation sim = Build(testCase.Cluster);
        InMemoryHost rogue = sim.Network.AddHost("rogue");
        sim.Start();
        sim.RunFor(s_attackAt);
        SimulatedNode r1 = sim["r1"];
        SimulatedNode r2 = sim["r2"];
        string masterBefore = Describe(sim.MastersOf());
        string backupBefore = $"r2 {r2.Router.State}";

        if (inject)
        {
            testCase.Inject(new BadInputContext(sim, rogue));
        }

        sim.RunFor(s_crashAt - sim.Elapsed);
        string masterAfter = Describe(sim.MastersOf());
        string backupAfter = $"r2 {r2.Router.State}";
        AddressFamily family = r1.Router.Family;
        long atMaster = testCase.Read(r1.Router, r1.Host.GetDispatcher(family));
        long atBackup = testCase.Read(r2.Router, r2.Host.GetDispatcher(family));
        long discards = r1.Router.Statistics.TotalDiscarded + r2.Router.Statistics.TotalDiscarded
            + r1.Host.GetDispatcher(family).UnknownVirtualRouterId + r2.Host.GetDispatcher(family).UnknownVirtualRouterId
            + r1.Host.GetDispatcher(family).Unreadable + r2.Host.GetDispatcher(family).Unreadable;
        long advertsSent = r1.Router.Statistics.AdvertisementsSent;

        sim.Crash("r1");
        sim.RunFor(TimeSpan.FromSeconds(10));
        StateChange[] history = r2.Router.GetHistory();
        TimeSpan takeover = history[^1].To == VrrpState.Master ? history[^1].Timestamp - sim.Clock.Start - s_crashAt : TimeSpan.MinValue;
        return new Played(masterBefore, masterAfter, backupBefore, backupAfter, atMaster, atBackup, discards, advertsSent, takeover, [.. r1.Router.GetHistory(), .. history]);
    }

    private static string Describe(IReadOnlyList<SimulatedNode> masters) =>
        masters.Count == 1 ? $"{masters[0].Name} {masters[0].Router.State}" : $"{masters.Count} masters";

    private static VrrpSimulation Build(AttackCluster cluster)
    {
        VrrpSimulationBuilder builder = VrrpSimulation.CreateBuilder().AddNodes(100, 90);
        switch (cluster)
        {
            case AttackCluster.V3IPv6:
                builder.UseIPv6();
                break;
            case AttackCluster.V3Unicast:
                builder.ConfigureRouters(o =>
                {
                    o.UnicastPeers.Add("198.51.100.11");
                    o.UnicastPeers.Add("198.51.100.12");
                });
                break;
            case AttackCluster.V2Password:
            case AttackCluster.V2AuthenticationHeader:
                builder.ConfigureRouters(o =>
                {
                    o.Version = VrrpVersion.V2;
                    o.AuthenticationType = cluster == AttackCluster.V2Password ? VrrpAuthenticationType.SimplePassword : VrrpAuthenticationType.IPAuthenticationHeader;
                    o.AuthenticationPassword = Password;
                });
                break;
            default:
                break;
        }

        return builder.Build();
    }

    private static Func<VirtualRouter, AdvertisementDispatcher, long> Discarded(VrrpPacketStatus status) => (router, _) => router.Statistics.Discarded(status);

    private static List<BadInputCase> Create()
    {
        VrrpAuthentication password = VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, Password);
        VrrpAuthentication ah = VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, Password);
        return
        [
            new("IPv4 TTL 254, priority 254", AttackCluster.V3, "IPTtl", Discarded(VrrpPacketStatus.IPTtl), 1, 1, c =>
            {
                byte[] datagram = V3(c.Rogue.IPv4Address);
                datagram[8] = 254;
                FixHeaderChecksum(datagram);
                c.Multicast(datagram);
            }),
            new("IPv6 hop limit 254, priority 254", AttackCluster.V3IPv6, "IPTtl", Discarded(VrrpPacketStatus.IPTtl), 1, 1, c =>
            {
                PackedIPAddress group = PackedIPAddress.Parse("ff02::12");
                byte[] list = new byte[32];
                PackedIPAddress.Parse("fe80::1:33").WriteTo(list);
                PackedIPAddress.Parse("2001:db8:51::1:33").WriteTo(list.AsSpan(16));
                var packet = new VrrpPacket(VrrpVersion.V3, 51, 254, 100, AddressFamily.InterNetworkV6, list);
                byte[] message = new byte[128];
                if (!packet.TryWrite(message, VrrpChecksumForm.PseudoHeader, c.Rogue.IPv6LinkLocalAddress, group, out int length))
                {
                    throw new InvalidOperationException("could not encode");
                }

                var metadata = new PacketMetadata(c.Rogue.IPv6LinkLocalAddress, group, 254);
                c.Sim["r1"].Host.Inject(AddressFamily.InterNetworkV6, message.AsSpan(0, length), metadata);
                c.Sim["r2"].Host.Inject(AddressFamily.InterNetworkV6, message.AsSpan(0, length), metadata);
                c.Sim.RunFor(TimeSpan.FromMilliseconds(1));
            }),
            new("VRID 52 (the routers run 51), priority 254", AttackCluster.V3, "Dispatcher UnknownVirtualRouterId (vrid-errors)", (_, dispatcher) => dispatcher.UnknownVirtualRouterId, 1, 1,
                c => c.Multicast(V3(c.Rogue.IPv4Address, vrid: 52)),
                "the dispatcher counts it: no router of VRID 52 exists to see it"),
            new("version 2 to VRRPv3 routers", AttackCluster.V3, "Version", Discarded(VrrpPacketStatus.Version), 1, 1,
                c => c.Multicast(Datagram(VrrpVersion.V2, 51, 254, 1, c.Rogue.IPv4Address, Addresses("198.51.100.100")))),
            new("VRRP checksum off by one bit", AttackCluster.V3, "Checksum", Discarded(VrrpPacketStatus.Checksum), 1, 1, c =>
            {
                byte[] datagram = V3(c.Rogue.IPv4Address);
                datagram[^1] ^= 0x01;
                c.Multicast(datagram);
            }),
            new("short packet: VRRP message cut to 6 bytes", AttackCluster.V3, "PacketLength", Discarded(VrrpPacketStatus.PacketLength), 1, 1, c =>
            {
                byte[] datagram = V3(c.Rogue.IPv4Address)[..(IPv4Header.MinimumLength + 6)];
                BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), (ushort)datagram.Length);
                FixHeaderChecksum(datagram);
                c.Multicast(datagram);
            }),
            new("address count 2, one address present", AttackCluster.V3, "PacketLength", Discarded(VrrpPacketStatus.PacketLength), 1, 1, c =>
            {
                byte[] datagram = V3(c.Rogue.IPv4Address);
                datagram[IPv4Header.MinimumLength + 3] = 2;
                c.Multicast(datagram);
            }),
            new("address count 0", AttackCluster.V3, "AddressCount", Discarded(VrrpPacketStatus.AddressCount), 1, 1, c =>
            {
                byte[] datagram = V3(c.Rogue.IPv4Address);
                datagram[IPv4Header.MinimumLength + 3] = 0;
                c.Multicast(datagram);
            }),
            new("VRRPv2 address count 2 against our 1 (right password)", AttackCluster.V2Password, "AddressList", Discarded(VrrpPacketStatus.AddressList), 1, 1,
                c => c.Multicast(Datagram(VrrpVersion.V2, 51, 254, 1, c.Rogue.IPv4Address, Addresses("198.51.100.100", "198.51.100.101"), password))),
            new("wrong password, priority 254", AttackCluster.V2Password, "AuthenticationFailure", Discarded(VrrpPacketStatus.AuthenticationFailure), 1, 1,
                c => c.Multicast(Datagram(VrrpVersion.V2, 51, 254, 1, c.Rogue.IPv4Address, Addresses("198.51.100.100"), VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "guess")))),
            new("AH with a wrong ICV (one bit), priority 254", AttackCluster.V2AuthenticationHeader, "AuthenticationFailure", Discarded(VrrpPacketStatus.AuthenticationFailure), 1, 1, c =>
            {
                byte[] datagram = Datagram(VrrpVersion.V2, 51, 254, 1, c.Rogue.IPv4Address, Addresses("198.51.100.100"), ah, 1000);
                datagram[IPv4Header.MinimumLength + 12] ^= 0x01; // first byte of the ICV (RFC 4302 §2: after next header, length, reserved, SPI, sequence)
                c.Multicast(datagram);
            }),
            new("AH replay: r1's genuine advert, sequence 1", AttackCluster.V2AuthenticationHeader, "AuthenticationReplay", Discarded(VrrpPacketStatus.AuthenticationReplay), 0, 1,
                c => c.Multicast(Datagram(VrrpVersion.V2, 51, 100, 1, c.Sim["r1"].Host.IPv4Address, Addresses("198.51.100.100"), ah, 1)),
                "r1 drops a packet with its own source address before any check, as its own multicast looped back; no counter"),
            new("unicast from 198.51.100.13, not a listed peer", AttackCluster.V3Unicast, "UnknownPeer", Discarded(VrrpPacketStatus.UnknownPeer), 1, 1, c =>
            {
                IVrrpTransport transport = c.Rogue.GetTransport(AddressFamily.InterNetwork);
                foreach (string peer in new[] { "r1", "r2" })
                {
                    PackedIPAddress to = c.Sim[peer].Host.IPv4Address;
                    transport.Send(Datagram(VrrpVersion.V3, 51, 254, 100, c.Rogue.IPv4Address, Addresses("198.51.100.100"), destination: to), to);
                }

                c.Sim.RunFor(TimeSpan.FromMilliseconds(1));
            }),
            new($"flood: {FloodPerSecond:N0}/s for {FloodDuration.TotalSeconds:N0} s, priority 254, no authentication (password configured)", AttackCluster.V2Password, "AuthenticationType", Discarded(VrrpPacketStatus.AuthenticationType),
                FloodPerSecond * (long)FloodDuration.TotalSeconds, FloodPerSecond * (long)FloodDuration.TotalSeconds,
                c => Flood(c, Datagram(VrrpVersion.V2, 51, 254, 1, c.Rogue.IPv4Address, Addresses("198.51.100.100")))),
            new($"flood: {FloodPerSecond:N0}/s for {FloodDuration.TotalSeconds:N0} s, priority 254, AH signed with another key", AttackCluster.V2AuthenticationHeader, "AuthenticationFailure", Discarded(VrrpPacketStatus.AuthenticationFailure),
                FloodPerSecond * (long)FloodDuration.TotalSeconds, FloodPerSecond * (long)FloodDuration.TotalSeconds,
                c => Flood(c, Datagram(VrrpVersion.V2, 51, 254, 1, c.Rogue.IPv4Address, Addresses("198.51.100.100"), VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "guess"), 1))),
        ];
    }

    // The same bytes each time: the routers must not care that the sequence number of a forged AH does not grow.
    private static void Flood(BadInputContext context, byte[] datagram)
    {
        IVrrpTransport transport = context.Rogue.GetTransport(AddressFamily.InterNetwork);
        TimeSpan gap = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / FloodPerSecond);
        long count = FloodPerSecond * (long)FloodDuration.TotalSeconds;
        for (long i = 0; i < count; i++)
        {
            transport.Send(datagram, BadInputContext.Group);
            context.Sim.RunFor(gap);
        }
    }

    private static byte[] V3(PackedIPAddress source, byte vrid = 51) => Datagram(VrrpVersion.V3, vrid, 254, 100, source, Addresses("198.51.100.100"));

    private static byte[] Addresses(params string[] addresses)
    {
        byte[] list = new byte[addresses.Length * 4];
        for (int i = 0; i < addresses.Length; i++)
        {
            PackedIPAddress.Parse(addresses[i]).WriteTo(list.AsSpan(i * 4));
        }

        return list;
    }

    private static byte[] Datagram(VrrpVersion version, byte vrid, byte priority, ushort interval, PackedIPAddress source, byte[] addresses, VrrpAuthentication? authentication = null, uint sequence = 1, PackedIPAddress? destination = null)
    {
        var packet = new VrrpPacket(version, vrid, priority, interval, AddressFamily.InterNetwork, addresses);
        byte[] buffer = new byte[256];
        if (!VrrpDatagram.TryWriteIPv4(buffer, packet, source, destination ?? BadInputContext.Group, 1, VrrpChecksumForm.PseudoHeader, authentication, sequence, out int length))
        {
            throw new InvalidOperationException("could not encode");
        }

        return buffer[..length];
    }

    private static void FixHeaderChecksum(byte[] datagram)
    {
        datagram[10] = 0;
        datagram[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), InternetChecksum.Compute(datagram.AsSpan(0, IPv4Header.MinimumLength)));
    }

    private sealed record Played(
        string MasterBefore,
        string MasterAfter,
        string BackupBefore,
        string BackupAfter,
        long CountAtMaster,
        long CountAtBackup,
        long TotalDiscards,
        long MasterAdvertsSent,
        TimeSpan Takeover,
        StateChange[] Histories);
}
