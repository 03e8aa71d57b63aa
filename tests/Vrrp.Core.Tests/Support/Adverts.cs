using System.Net.Sockets;
using Vrrp.Packets;

namespace Vrrp.Tests.Support;

/// <summary>Valid datagrams to start a test from, in the lab ranges 198.51.100.0/24 and 2001:db8:51::/64.</summary>
internal static class Adverts
{
    public static readonly PackedIPAddress Source4 = PackedIPAddress.Parse("198.51.100.11");
    public static readonly PackedIPAddress Group4 = PackedIPAddress.Parse("224.0.0.18");
    public static readonly PackedIPAddress Source6 = PackedIPAddress.Parse("fe80::11");
    public static readonly PackedIPAddress Group6 = PackedIPAddress.Parse("ff02::12");
    public static readonly VrrpAuthentication Password = VrrpAuthentication.Create(VrrpAuthenticationType.SimplePassword, "labpass");
    public static readonly VrrpAuthentication Ah = VrrpAuthentication.Create(VrrpAuthenticationType.IPAuthenticationHeader, "labpass");

    public static byte[] IPv4(VrrpVersion version = VrrpVersion.V3, byte priority = 100, VrrpAuthentication? authentication = null, int addresses = 1, VrrpChecksumForm form = VrrpChecksumForm.PseudoHeader, uint sequence = 1)
    {
        byte[] list = new byte[addresses * 4];
        for (int i = 0; i < addresses; i++)
        {
            list[i * 4] = 198;
            list[(i * 4) + 1] = 51;
            list[(i * 4) + 2] = 100;
            list[(i * 4) + 3] = (byte)(100 + i);
        }

        var packet = new VrrpPacket(version, 51, priority, (ushort)(version == VrrpVersion.V3 ? 100 : 1), AddressFamily.InterNetwork, list);
        byte[] buffer = new byte[2048];
        if (!VrrpDatagram.TryWriteIPv4(buffer, packet, Source4, Group4, 1, form, authentication, sequence, out int length))
        {
            throw new InvalidOperationException("The test advert could not be written.");
        }

        return buffer[..length];
    }

    public static byte[] IPv6Message(byte priority = 100, int addresses = 1)
    {
        byte[] list = new byte[addresses * 16];
        for (int i = 0; i < addresses; i++)
        {
            PackedIPAddress.Parse(i == 0 ? "fe80::100" : $"2001:db8:51::{i:x}").WriteTo(list.AsSpan(i * 16));
        }

        var packet = new VrrpPacket(VrrpVersion.V3, 51, priority, 100, AddressFamily.InterNetworkV6, list);
        byte[] buffer = new byte[packet.Length];
        packet.TryWrite(buffer, VrrpChecksumForm.PseudoHeader, Source6, Group6, out _);
        return buffer;
    }
}
