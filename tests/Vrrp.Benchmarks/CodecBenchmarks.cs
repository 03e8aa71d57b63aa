using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Vrrp.Packets;

namespace Vrrp.Benchmarks;

/// <summary>
/// The receive and send paths of the codec against the cost of one pass of the Internet checksum over the same bytes.
/// </summary>
/// <remarks>
/// For IPv4 the input is the whole datagram (IPv4 header, AH when present, VRRP), as an <c>AF_INET</c> raw socket
/// delivers it; for IPv6 it is the VRRP message alone, as an <c>AF_INET6</c> raw socket delivers it. The baseline sums
/// exactly those bytes, so every case has its own ratio.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(WideCaseColumnConfig))]
public class CodecBenchmarks
{
    private const byte VirtualRouterId = 51;
    private const byte Priority = 100;
    private const ushort V3IntervalCentiseconds = 100;
    private const ushort V2IntervalSeconds = 1;
    private const ushort Identification = 0x5100;
    private const uint AuthenticationSequence = 7;
    private const string Password = "labpass";

    private static readonly PackedIPAddress s_ipv4Source = PackedIPAddress.Parse("198.51.100.2");
    private static readonly PackedIPAddress s_ipv4Group = PackedIPAddress.Parse("224.0.0.18");
    private static readonly PackedIPAddress s_ipv6Source = PackedIPAddress.Parse("fe80::51:2");
    private static readonly PackedIPAddress s_ipv6Group = PackedIPAddress.Parse("ff02::12");

    private readonly byte[] _output = new byte[1500];

    private byte[] _input = [];
    private byte[] _addresses = [];
    private bool _isIPv6;
    private VrrpVersion _version;
    private ushort _interval;
    private VrrpAuthentication? _authentication;
    private VrrpReceivePolicy _policy;

    /// <summary>Gets or sets the advertisement measured.</summary>
    [Params(
        CodecCase.V3IPv4OneAddress,
        CodecCase.V3IPv6OneAddress,
        CodecCase.V2Password,
        CodecCase.V2AuthenticationHeader,
        CodecCase.V3IPv4TwentyAddresses)]
    public CodecCase Case { get; set; }

    /// <summary>Builds the input with the codec's own writers and checks that it decodes as valid.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _isIPv6 = Case == CodecCase.V3IPv6OneAddress;
        _version = Case is CodecCase.V2Password or CodecCase.V2AuthenticationHeader ? VrrpVersion.V2 : VrrpVersion.V3;
        _interval = _version == VrrpVersion.V2 ? V2IntervalSeconds : V3IntervalCentiseconds;
        _authentication = Case switch
        {
            CodecCase.V2Password => VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, Password),
            CodecCase.V2AuthenticationHeader => VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, Password),
            _ => null,
        };
        _policy = new VrrpReceivePolicy(_version, _authentication);
        _addresses = Case switch
        {
            CodecCase.V3IPv6OneAddress => Addresses("2001:db8:51::10"),
            CodecCase.V3IPv4TwentyAddresses => Addresses(Enumerable.Range(10, 20).Select(i => $"198.51.100.{i}").ToArray()),
            _ => Addresses("198.51.100.10"),
        };

        int length = Encode();
        if (length == 0)
        {
            throw new InvalidOperationException($"{Case}: the codec refused to encode the advertisement.");
        }

        _input = _output.AsSpan(0, length).ToArray();
        VrrpPacketStatus status = DecodeAndValidate();
        if (status != VrrpPacketStatus.Valid)
        {
            throw new InvalidOperationException($"{Case}: the input decodes as {status}, not Valid; the benchmark would measure a rejection path.");
        }
    }

    /// <summary>One pass of the Internet checksum over the input: the floor any validating decoder pays.</summary>
    /// <returns>The checksum.</returns>
    [Benchmark(Baseline = true)]
    public ushort Checksum() => InternetChecksum.Compute(_input);

    /// <summary>Reads and validates the input as the receive path does.</summary>
    /// <returns>The status, <see cref="VrrpPacketStatus.Valid"/>.</returns>
    [Benchmark]
    public VrrpPacketStatus DecodeAndValidate() => _isIPv6
        ? VrrpDatagram.TryReadIPv6(_input, s_ipv6Source, s_ipv6Group, VrrpDatagram.RequiredHopLimit, _policy, out _)
        : VrrpDatagram.TryReadIPv4(_input, _policy, out _);

    /// <summary>Writes the advertisement as the send path does: a whole IPv4 datagram, or the VRRP message for IPv6.</summary>
    /// <returns>The number of bytes written, 0 on failure.</returns>
    [Benchmark]
    public int Encode()
    {
        int bytesWritten;
        if (_isIPv6)
        {
            var packet = new VrrpPacket(_version, VirtualRouterId, Priority, _interval, AddressFamily.InterNetworkV6, _addresses);
            return packet.TryWrite(_output, VrrpChecksumForm.PseudoHeader, s_ipv6Source, s_ipv6Group, out bytesWritten) ? bytesWritten : 0;
        }

        var message = new VrrpPacket(_version, VirtualRouterId, Priority, _interval, AddressFamily.InterNetwork, _addresses);
        return VrrpDatagram.TryWriteIPv4(_output, message, s_ipv4Source, s_ipv4Group, Identification, VrrpChecksumForm.PseudoHeader, _authentication, AuthenticationSequence, out bytesWritten)
            ? bytesWritten
            : 0;
    }

    private static byte[] Addresses(params string[] addresses)
    {
        int length = PackedIPAddress.Parse(addresses[0]).Length;
        byte[] bytes = new byte[addresses.Length * length];
        for (int i = 0; i < addresses.Length; i++)
        {
            PackedIPAddress.Parse(addresses[i]).WriteTo(bytes.AsSpan(i * length, length));
        }

        return bytes;
    }

    /// <summary>Keeps the case names whole in the summary table (the default cuts them at 20 characters).</summary>
    private sealed class WideCaseColumnConfig : ManualConfig
    {
        public WideCaseColumnConfig()
        {
            SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(32);
        }
    }
}
