using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Notifications;
using Vrrp.Packets;
using Vrrp.Transport;

namespace Vrrp;

public sealed partial class VirtualRouter
{
    private static Profile? s_lastProfile;

    private readonly Profile _profile;

    // Routers made one after another from one configuration (hundreds of VRIDs on one interface) share the first
    // one's profile instead of holding a copy each; one profile stays referenced here.
    private static Profile Shared(Profile profile)
    {
        Profile? last = Volatile.Read(ref s_lastProfile);
        if (profile.Equals(last))
        {
            return last;
        }

        Volatile.Write(ref s_lastProfile, profile);
        return profile;
    }

    /// <summary>
    /// What the routers of one interface, family and configuration have in common: the seams they act through and the
    /// settings of their packets. Equal profiles are one object (see <see cref="Shared(Profile)"/>).
    /// </summary>
    private sealed record Profile(
        IVrrpTransport Transport,
        IVirtualAddressManager AddressManager,
        IAddressAnnouncer Announcer,
        IVrrpNotifier? Notifier,
        TimeProvider Time,
        string Interface,
        VrrpVersion Version,
        AddressFamily Family,
        VrrpChecksumForm ChecksumForm,
        bool AcceptMode,
        bool UseVirtualMac,
        VrrpAuthentication Authentication,
        int AnnounceRepeat,
        ushort IntervalField)
    {
        public PackedIPAddress[] MulticastDestination => Family == AddressFamily.InterNetworkV6 ? s_ipv6Multicast : s_ipv4Multicast;

        // Two fields on the stack, made per packet: cheaper than a copy in every router.
        public VrrpReceivePolicy MulticastPolicy => new(Version, Authentication);
    }
}
