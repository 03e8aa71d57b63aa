using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp;

public sealed partial class VirtualRouter
{
    // A master sends the same advertisement every interval. With one destination and no authentication header, the
    // next one differs from the last only in the IPv4 identification, so the last stays in _sendBuffer and goes out
    // again with that rewritten: no encoding and no checksum over the message. What else would change it is compared
    // (the priority, the source address) or clears it where it changes (the addresses, the peers). Under _gate.
    private PackedIPAddress _writtenSource;
    private ushort _writtenLength; // 0: _sendBuffer holds nothing to send again
    private byte _writtenPriority;

    void IVrrpActions.SendAdvertisement(byte priority)
    {
        PackedIPAddress source = PrimaryAddress;
        if (_writtenLength != 0 && priority == _writtenPriority && source == _writtenSource)
        {
            if (Family == AddressFamily.InterNetwork)
            {
                IPv4Header.RewriteIdentification(_sendBuffer, ++_ipIdentification);
            }

            Send(_sendBuffer.AsSpan(0, _writtenLength), _destinations[0], source, priority);
            return;
        }

        _writtenLength = 0;
        var packet = new VrrpPacket(Version, VirtualRouterId, priority, _profile.IntervalField, Family, _addressBytes);
        for (int i = 0; i < _destinations.Length; i++)
        {
            PackedIPAddress destination = _destinations[i];
            int length;
            bool written = Family == AddressFamily.InterNetwork
                ? VrrpDatagram.TryWriteIPv4(_sendBuffer, packet, source, destination, ++_ipIdentification, ChecksumForm, _profile.Authentication, ++_ahSequence, _timeToLive, out length)
                : packet.TryWrite(_sendBuffer, ChecksumForm, source, destination, out length);
            if (!written)
            {
                Statistics.OnSent(priority, ok: false);
                NotifySendFailed();
                continue;
            }

            Send(_sendBuffer.AsSpan(0, length), destination, source, priority);
            if (_destinations.Length == 1 && !SignsWithAuthenticationHeader)
            {
                (_writtenLength, _writtenPriority, _writtenSource) = ((ushort)length, priority, source);
            }
        }
    }

    // Each datagram then carries its own sequence number and integrity check value.
    private bool SignsWithAuthenticationHeader =>
        Version == VrrpVersion.V2 && _profile.Authentication?.Type == VrrpAuthenticationType.IPAuthenticationHeader;

    private void Send(ReadOnlySpan<byte> datagram, PackedIPAddress destination, PackedIPAddress source, byte priority)
    {
        // An IPv4 datagram names its source in its header; an IPv6 message is sent from the address its checksum covers.
        bool sent = Family == AddressFamily.InterNetworkV6 && _source.Length != 0
            ? _profile.Transport.Send(datagram, destination, source)
            : _profile.Transport.Send(datagram, destination);
        Statistics.OnSent(priority, sent);
        if (sent)
        {
            _lastSent = Now();
        }
        if (!sent)
        {
            NotifySendFailed();
        }
    }
}
