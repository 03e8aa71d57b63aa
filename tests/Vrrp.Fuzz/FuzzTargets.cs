using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Vrrp.Keepalived;
using Vrrp.Linux.Netlink;
using Vrrp.Linux.Processes;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp.Fuzz;

/// <summary>A decoder under fuzzing: its seeds, how to call it (returning the outcome), and how to repair checksums.</summary>
/// <param name="Name">A file-name-safe name.</param>
/// <param name="Seed">Makes one valid input from a random source.</param>
/// <param name="Decode">Decodes an input and names the outcome (a rejection reason, or what was read).</param>
/// <param name="Repair">Makes checksums and ICVs right again after a mutation, so decoding goes past them; or null.</param>
internal sealed record FuzzTarget(string Name, Func<Random, byte[]> Seed, FuzzTarget.Decoder Decode, FuzzTarget.Repairer? Repair)
{
    public delegate string Decoder(ReadOnlySpan<byte> input);

    public delegate void Repairer(Span<byte> input);
}

/// <summary>Every decoder that reads bytes from outside the process.</summary>
internal static class FuzzTargets
{
    private static readonly string[] s_status = Enum.GetNames<VrrpPacketStatus>();
    private static readonly string[] s_announcement = Enum.GetNames<AnnouncementStatus>();
    private static readonly PackedIPAddress s_source4 = PackedIPAddress.Parse("198.51.100.11");
    private static readonly PackedIPAddress s_group4 = PackedIPAddress.Parse("224.0.0.18");
    private static readonly PackedIPAddress s_source6 = PackedIPAddress.Parse("fe80::11");
    private static readonly PackedIPAddress s_group6 = PackedIPAddress.Parse("ff02::12");
    private static readonly VrrpAuthentication s_password = VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "fuzzpass");
    private static readonly VrrpAuthentication s_ah = VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "fuzzpass");

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("vrrp-message-ipv4", r => Message(r, VrrpVersion.V3, AddressFamily.InterNetwork), input => Message(input, AddressFamily.InterNetwork, s_source4, s_group4), input => RepairMessage(input, AddressFamily.InterNetwork)),
        new("vrrp-message-ipv6", r => Message(r, VrrpVersion.V3, AddressFamily.InterNetworkV6), input => Message(input, AddressFamily.InterNetworkV6, s_source6, s_group6), input => RepairMessage(input, AddressFamily.InterNetworkV6)),
        new("ipv4-datagram-v3", r => Datagram(r, VrrpVersion.V3, VrrpAuthentication.None), input => s_status[(int)VrrpDatagram.TryReadIPv4(input, new VrrpReceivePolicy(VrrpVersion.V3), out _)], input => RepairDatagram(input, null)),
        new("ipv4-datagram-v2-password", r => Datagram(r, VrrpVersion.V2, s_password), input => s_status[(int)VrrpDatagram.TryReadIPv4(input, new VrrpReceivePolicy(VrrpVersion.V2, s_password), out _)], input => RepairDatagram(input, null)),
        new("ipv4-datagram-v2-ah", r => Datagram(r, VrrpVersion.V2, s_ah), input => s_status[(int)VrrpDatagram.TryReadIPv4(input, new VrrpReceivePolicy(VrrpVersion.V2, s_ah), out _)], input => RepairDatagram(input, s_ah)),
        new("ipv6-message-v3", r => Message(r, VrrpVersion.V3, AddressFamily.InterNetworkV6), input => s_status[(int)VrrpDatagram.TryReadIPv6(input, s_source6, s_group6, VrrpDatagram.RequiredHopLimit, new VrrpReceivePolicy(VrrpVersion.V3), out _)], input => RepairMessage(input, AddressFamily.InterNetworkV6)),
        new("ipv4-header", r => Datagram(r, VrrpVersion.V3, VrrpAuthentication.None), Header, input => RepairDatagram(input, null)),
        new("authentication-header", r => Datagram(r, VrrpVersion.V2, s_ah), AuthenticationHeaderOutcome, input => RepairDatagram(input, s_ah)),
        new("netlink-messages", Netlink, NetlinkOutcome, null),
        new("arp-sender", Arp, input => s_announcement[(int)ArpPacket.TryReadSender(input, out _, out _)], null),
        new("neighbor-advertisement", NeighborAdvertisementSeed, input => s_announcement[(int)NeighborAdvertisement.TryReadOverride(input, out _, out _)], null),
        new("keepalived-conf", KeepalivedSeed, KeepalivedOutcome, null),
        new("udp-election-datagram", UdpElectionSeed, UdpElectionOutcome, RepairUdpElection),
        new("process-event", ProcessEventSeed, ProcessEventOutcome, null),
    ];

    // UDP leader election: a datagram from the peer 127.0.0.2, counter and HMAC-SHA256 after the IPv4 datagram, as
    // UdpTransport admits it (peer, port, HMAC, replay window), then the VRRP reader. Repair recomputes the HMAC, so
    // mutations reach the replay window and the VRRP reader behind it.
    private const string UdpKey = "fuzz-election-key-0123456789";
    private static readonly PackedIPAddress s_udpPeer = PackedIPAddress.Parse("127.0.0.2");
    private static long s_udpCounter;
    private static readonly Lazy<(UdpTransport Transport, int Port)> s_udp = new(OpenUdpTransport);

    private static (UdpTransport Transport, int Port) OpenUdpTransport()
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var options = new UdpTransportOptions { LocalAddress = "127.0.0.1", Port = Random.Shared.Next(40000, 60000), Key = UdpKey };
                options.Peers.Add("127.0.0.2");
                return (new UdpTransport(options, startReceiving: false), options.Port); // bound, never read: the fuzzer calls Admit
            }
            catch (SocketException) when (attempt < 20)
            {
                // the port is taken: another
            }
        }
    }

    private static byte[] UdpElectionSeed(Random random)
    {
        byte[] addresses = new byte[4 * random.Next(1, 6)];
        random.NextBytes(addresses);
        var packet = new VrrpPacket(VrrpVersion.V3, (byte)random.Next(1, 256), (byte)random.Next(256), (ushort)random.Next(1, 4096), AddressFamily.InterNetwork, addresses);
        byte[] buffer = new byte[256 + 40];
        if (!VrrpDatagram.TryWriteIPv4(buffer, packet, s_udpPeer, s_group4, (ushort)random.Next(65536), VrrpChecksumForm.PseudoHeader, VrrpAuthentication.None, 0, out int length))
        {
            return [];
        }

        // Mostly a new counter; one in four from up to 100 behind, so the window's paths (ahead, inside, behind, seen)
        // are all taken.
        ulong counter = (ulong)(++s_udpCounter + 1000 - (random.Next(4) == 0 ? random.Next(100) : 0));
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(length), counter);
        byte[] datagram = buffer[..(length + 40)];
        RepairUdpElection(datagram);
        return datagram;
    }

    // A new counter (above any admitted: a mutated counter may have moved the window far ahead) and the HMAC again.
    private static void RepairUdpElection(Span<byte> input)
    {
        if (input.Length >= 40)
        {
            BinaryPrimitives.WriteUInt64BigEndian(input[^40..], (ulong)++s_udpCounter);
            System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(UdpKey), input[..^32], input[^32..]);
        }
    }

    private static string UdpElectionOutcome(ReadOnlySpan<byte> input)
    {
        ReadOnlySpan<byte> packet = input;
        UdpDatagramVerdict verdict = s_udp.Value.Transport.Admit(ref packet, s_udpPeer, s_udp.Value.Port);
        if (verdict != UdpDatagramVerdict.Admitted)
        {
            return verdict.ToString();
        }

        if (input.Length >= 40)
        {
            s_udpCounter = Math.Max(s_udpCounter, (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(input[^40..]), long.MaxValue / 2));
        }

        return s_status[(int)VrrpDatagram.TryReadIPv4(packet, new VrrpReceivePolicy(VrrpVersion.V3), out _)];
    }

    // Process events as the connector delivers them (struct cn_msg, then struct proc_event) to a monitor that polls on
    // a clock that never moves, with a check whose name no process has: forks, execs, exits, acks, of random pids.
    private static readonly Lazy<ProcessMonitor> s_processes = new(() =>
    {
        var monitor = new ProcessMonitor(new StoppedClock(), listen: false);
        monitor.CreateCheck(new ProcessMatch("vrrp-fuzz-none"));
        return monitor;
    });

    private static byte[] ProcessEventSeed(Random random)
    {
        byte[] message = new byte[20 + 16 + 24];
        BinaryPrimitives.WriteUInt32LittleEndian(message, 1); // CN_IDX_PROC
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(4), 1); // CN_VAL_PROC
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), (uint)random.Next());
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(16), 40);
        uint[] events = [0, 1, 2, 0x200, 0x80000000];
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), events[random.Next(events.Length)]);
        for (int offset = 36; offset < message.Length; offset += 4)
        {
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(offset), random.Next(2) == 0 ? Environment.ProcessId : random.Next(1, 1 << 22));
        }

        return message;
    }

    private static string ProcessEventOutcome(ReadOnlySpan<byte> input)
    {
        s_processes.Value.OnMessage(3, input);
        // Valid: an event of a kind the monitor reads (none, fork, exec, comm, exit), whole.
        return input.Length < 20 + 16 + 8 ? "Short"
            : BinaryPrimitives.ReadUInt32LittleEndian(input) != 1 ? "NotProcessEvents"
            : BinaryPrimitives.ReadUInt32LittleEndian(input[20..]) is 0 or 1 or 2 or 0x200 or 0x80000000 ? "Valid" : "Other";
    }

    // The keepalived.conf corpus of tests/Vrrp.Keepalived.Tests, copied next to the fuzzer; includes resolve in memory.
    private static readonly Lazy<byte[][]> s_keepalivedCorpus = new(() =>
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "KeepalivedCorpus");
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*.conf").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)] : [];
    });

    // Files the fuzzed text may include: ones that include each other by globs (the reader's read-once and budget
    // paths), a file of unknown keywords, and a small valid part.
    private static readonly InMemoryKeepalivedFileSystem s_noFiles = new InMemoryKeepalivedFileSystem()
        .Add("/fuzz/f1.conf", "include f*.conf\n")
        .Add("/fuzz/f2.conf", "include /fuzz/f*.conf\ninclude ../fuzz/f1.conf\n")
        .Add("/fuzz/f3.conf", "include f*.conf\nvrrp_script chk {\n script \"/bin/true\"\n}\n")
        .Add("/fuzz/shadow", "root:$y$j9T$abc:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
        .Add("/fuzz/vip.conf", "virtual_ipaddress {\n 198.51.100.9/24\n}\n");

    private static byte[] KeepalivedSeed(Random random)
    {
        byte[] seed = s_keepalivedCorpus.Value.Length == 0 ? "vrrp_instance VI_1 {\n interface lab0\n virtual_router_id 51\n virtual_ipaddress {\n  198.51.100.100/24\n }\n}\n"u8.ToArray() : s_keepalivedCorpus.Value[random.Next(s_keepalivedCorpus.Value.Length)];

        // One seed in four starts with includes, so mutations reach the include paths.
        return random.Next(4) == 0 ? [.. "include f*.conf\ninclude shadow\ninclude vip.conf\n"u8, .. seed] : seed;
    }

    // Outcome: Valid, or the keyword of the first error ("fuzz.conf:12: virtual_router_id must be ..." -> virtual_router_id).
    // Only KeepalivedConfigurationReader's typed results count; any exception escapes to the fuzzer as a finding.
    private static string KeepalivedOutcome(ReadOnlySpan<byte> input)
    {
        KeepalivedCheckResult result = KeepalivedConfigurationReader.CheckText(Encoding.UTF8.GetString(input), "/fuzz/fuzz.conf", s_noFiles);
        if (result.IsValid)
        {
            return "Valid";
        }

        string message = result.Errors[0].Message;
        int space = message.IndexOfAny([' ', ':']);
        return "error:" + (space > 0 ? message[..Math.Min(space, 32)] : message[..Math.Min(message.Length, 32)]);
    }

    // A gratuitous ARP or a reply, as the announcement listener reads it (after the Ethernet header).
    private static byte[] Arp(Random random)
    {
        byte[] frame = new byte[GratuitousArp.FrameLength];
        Span<byte> mac = stackalloc byte[MacAddress.Length];
        random.NextBytes(mac);
        GratuitousArp.TryWrite(frame, MacAddress.FromBytes(mac), PackedIPAddress.Parse($"198.51.100.{random.Next(256)}"), out _);
        frame[21] = (byte)random.Next(1, 3); // request or reply
        return frame[14..];
    }

    // An NA as the listener reads it (the ICMPv6 message alone): Override, random Router and Solicited flags and target.
    private static byte[] NeighborAdvertisementSeed(Random random)
    {
        byte[] frame = new byte[UnsolicitedNeighborAdvertisement.FrameLength];
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[0] = 0x20;
        UnsolicitedNeighborAdvertisement.TryWrite(frame, MacAddress.FromBytes(bytes[..6]), s_source6, PackedIPAddress.FromBytes(bytes), UnsolicitedNeighborAdvertisement.OverrideFlag | ((uint)random.Next(4) << 30), out int length);
        return frame[(14 + 40)..length];
    }

    private static string Message(ReadOnlySpan<byte> input, AddressFamily family, PackedIPAddress source, PackedIPAddress destination)
    {
        VrrpPacketStatus status = VrrpPacket.TryRead(input, family, out VrrpPacket packet);
        if (status != VrrpPacketStatus.Valid)
        {
            return s_status[(int)status];
        }

        return packet.VerifyChecksum(input, source, destination, out _) ? "Valid" : "Checksum";
    }

    private static string Header(ReadOnlySpan<byte> input) =>
        !IPv4Header.TryRead(input, out _) ? "Unreadable" : IPv4Header.VerifyHeaderChecksum(input) ? "Valid" : "HeaderChecksum";

    private static string AuthenticationHeaderOutcome(ReadOnlySpan<byte> input)
    {
        if (!IPv4Header.TryRead(input, out IPv4Header header) || input.Length < header.HeaderLength)
        {
            return "NoIPv4Header";
        }

        if (!AuthenticationHeader.TryRead(input[header.HeaderLength..], out _, out _, out _))
        {
            return "Unreadable";
        }

        return AuthenticationHeader.Verify(input, s_ah.Key) ? "Valid" : "IcvMismatch";
    }

    private static string NetlinkOutcome(ReadOnlySpan<byte> input)
    {
        var reader = new NetlinkMessageReader(input);
        string outcome = "NoMessage";
        while (reader.TryRead(out ushort type, out ReadOnlySpan<byte> payload))
        {
            outcome = AddressWatcher.TryReadRemoved(type, payload, out _, out _) ? "AddressRemoved"
                : LinkMonitor.TryReadLink(type, payload, out _, out _) ? "Link"
                : outcome == "NoMessage" ? "Other" : outcome;
        }

        return NetlinkAddressMessage.TryReadAck(input, 7, out _) ? "Ack" : outcome;
    }

    private static byte[] Message(Random random, VrrpVersion version, AddressFamily family)
    {
        int addressLength = family == AddressFamily.InterNetworkV6 ? 16 : 4;
        byte[] addresses = new byte[addressLength * random.Next(1, 6)];
        random.NextBytes(addresses);
        var packet = new VrrpPacket(version, (byte)random.Next(1, 256), (byte)random.Next(256), (ushort)random.Next(1, 4096), family, addresses);
        byte[] buffer = new byte[packet.Length];
        PackedIPAddress source = family == AddressFamily.InterNetworkV6 ? s_source6 : s_source4;
        PackedIPAddress destination = family == AddressFamily.InterNetworkV6 ? s_group6 : s_group4;
        return packet.TryWrite(buffer, VrrpChecksumForm.PseudoHeader, source, destination, out int length) ? buffer[..length] : [];
    }

    private static byte[] Datagram(Random random, VrrpVersion version, VrrpAuthentication authentication)
    {
        byte[] addresses = new byte[4 * random.Next(1, 6)];
        random.NextBytes(addresses);
        ushort interval = (ushort)(version == VrrpVersion.V2 ? random.Next(1, 256) : random.Next(1, 4096));
        var packet = new VrrpPacket(version, (byte)random.Next(1, 256), (byte)random.Next(256), interval, AddressFamily.InterNetwork, addresses);
        byte[] buffer = new byte[256];
        return VrrpDatagram.TryWriteIPv4(buffer, packet, s_source4, s_group4, (ushort)random.Next(65536), VrrpChecksumForm.PseudoHeader, authentication, (uint)random.Next(), out int length)
            ? buffer[..length]
            : [];
    }

    private static byte[] Netlink(Random random)
    {
        // RTM_NEWLINK (ifinfomsg), RTM_DELADDR (ifaddrmsg + IFA_LOCAL), NLMSG_ERROR (ack of sequence 7), in a random mix.
        var messages = new List<byte>();
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            (ushort type, byte[] payload) = random.Next(3) switch
            {
                0 => ((ushort)16, new byte[16]),
                1 => ((ushort)21, new byte[8 + 8]),
                _ => ((ushort)2, new byte[4 + 16]),
            };
            if (type == 16)
            {
                BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), random.Next(1, 10));
                BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(8), (uint)random.Next());
            }
            else if (type == 21)
            {
                payload[0] = 2;
                BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), random.Next(1, 10));
                BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(8), 8);
                BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(10), 2);
                random.NextBytes(payload.AsSpan(12, 4));
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(payload, -random.Next(0, 100));
                BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4 + 8), 7);
            }

            byte[] header = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(16 + payload.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), type);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 7);
            messages.AddRange(header);
            messages.AddRange(payload);
        }

        return [.. messages];
    }

    private static void RepairMessage(Span<byte> message, AddressFamily family)
    {
        if (message.Length < 8 || VrrpPacket.TryRead(message, family, out VrrpPacket packet) is VrrpPacketStatus.PacketLength or VrrpPacketStatus.Version)
        {
            return;
        }

        PackedIPAddress source = family == AddressFamily.InterNetworkV6 ? s_source6 : s_source4;
        PackedIPAddress destination = family == AddressFamily.InterNetworkV6 ? s_group6 : s_group4;
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], 0);
        ushort checksum = VrrpPacket.ComputeChecksum(message, packet.Version, VrrpChecksumForm.PseudoHeader, source, destination);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], checksum);
    }

    private static void RepairDatagram(Span<byte> datagram, VrrpAuthentication? ah)
    {
        if (datagram.Length < 20)
        {
            return;
        }

        int headerLength = Math.Clamp((datagram[0] & 0x0F) * 4, 20, datagram.Length);
        datagram[10] = 0;
        datagram[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(datagram[10..], InternetChecksum.Compute(datagram[..headerLength]));
        if (ah is not null)
        {
            AuthenticationHeader.Sign(datagram, ah.Key);
        }
        else if (datagram.Length >= headerLength + 8)
        {
            RepairMessage(datagram[headerLength..], AddressFamily.InterNetwork);
        }
    }

    // A clock whose timers never fire: the monitor's polling stays off, so only the fuzzed events move it.
    private sealed class StoppedClock : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

        private sealed class NeverTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
