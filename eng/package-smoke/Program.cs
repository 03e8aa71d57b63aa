using System.Net.Sockets;
using System.Reflection;
using Vrrp.Packets;

// Encode and decode one advertisement through the packaged codec, and check the packages carry their docs.
byte[] vip = [198, 51, 100, 100];
var advert = new VrrpPacket(VrrpVersion.V3, 51, 100, 100, AddressFamily.InterNetwork, vip);
byte[] datagram = new byte[64];
if (!VrrpDatagram.TryWriteIPv4(datagram, advert, PackedIPAddress.Parse("198.51.100.11"), PackedIPAddress.Parse("224.0.0.18"), 1, VrrpChecksumForm.PseudoHeader, null, 0, out int length))
{
    Console.Error.WriteLine("encode failed");
    return 1;
}

VrrpPacketStatus status = VrrpDatagram.TryReadIPv4(datagram.AsSpan(0, length), new VrrpReceivePolicy(VrrpVersion.V3), out ReceivedAdvertisement received);
Console.WriteLine($"package smoke: {length}-byte advert for VRID {received.Packet.VirtualRouterId} decoded as {status}");

var keepalived = Vrrp.Keepalived.KeepalivedConfigurationReader.Parse(
    "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        198.51.100.100/24\n    }\n}\n", "keepalived.conf", new Vrrp.Keepalived.InMemoryKeepalivedFileSystem());
Console.WriteLine($"package smoke: keepalived.conf read, VRID {keepalived.Instances[0].CreateOptions().VirtualRouterId}");

// The etcd election from its own package: bad options are refused naming the field (no etcd needed for that).
var etcdOptions = new Vrrp.Election.Etcd.EtcdLeaderElectionOptions { Endpoints = "http://127.0.0.1:2379", LeaseTtl = TimeSpan.FromSeconds(1) };
Console.WriteLine($"package smoke: etcd election options checked: {string.Join(" ", etcdOptions.Validate())}");

string core = typeof(VrrpPacket).Assembly.Location;
string docs = Path.ChangeExtension(core, ".xml");
Console.WriteLine($"package smoke: {Path.GetFileName(core)} {typeof(VrrpPacket).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}, docs {(File.Exists(docs) ? "present" : "MISSING")}");
bool hosted = await HostedSmoke.RunAsync();
return status == VrrpPacketStatus.Valid && File.Exists(docs) && hosted && etcdOptions.Validate().Any(p => p.StartsWith("LeaseTtl", StringComparison.Ordinal)) ? 0 : 1;
