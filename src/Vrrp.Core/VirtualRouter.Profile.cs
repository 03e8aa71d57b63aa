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

    // Routers made one after another from one configuration (hundreds of VRIDs on one interface) have equal
    // settings and profiles: each takes the previous router's object when it is equal, instead of holding a copy.
    // One of each stays referenced by the static field.
    private static T ShareWithLast<T>(ref T? last, T value)
        where T : class, IEquatable<T>
    {
        T? previous = Volatile.Read(ref last);
        if (value.Equals(previous))
        {
            return previous;
        }

        Volatile.Write(ref last, value);
        return value;
    }

    /// <summary>
    /// What the routers of one interface, family and configuration have in common: the seams they act through and the
    /// settings of their packets. Equal profiles are one object (see <see cref="ShareWithLast"/>).
    /// </summary>
    private sealed record Profile(
        IVrrpTransport Transport,
        IVirtualAddressManager AddressManager,
        IAddressAnnouncer Announcer,
        IVrrpNotifier? Notifier,
        TimeProvider Time,
        VrrpActionRunner Runner,
        VrrpActionRunner NotificationRunner,
        string Interface,
        VrrpVersion Version,
        AddressFamily Family,
        VrrpChecksumForm ChecksumForm,
        bool AcceptMode,
        bool UseVirtualMac,
        VrrpAuthentication Authentication,
        int AnnounceRepeat,
        ushort IntervalField,
        PackedIPAddress MulticastGroup)
    {
        // The RFC's group unless another was configured (keepalived's vrrp_mcast_group4/6); asked at start and when the
        // peers change, never per advert.
        public PackedIPAddress[] MulticastDestination =>
            MulticastGroup.Length != 0 ? [MulticastGroup] : Family == AddressFamily.InterNetworkV6 ? s_ipv6Multicast : s_ipv4Multicast;

        // Two fields on the stack, made per packet: cheaper than a copy in every router.
        public VrrpReceivePolicy MulticastPolicy => new(Version, Authentication);
    }
}
