using System.Globalization;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Vrrp.Addressing;
using Vrrp.Linux.Firewall;
using Vrrp.Linux.Interop;
using Vrrp.Linux.Sockets;
using Vrrp.Packets;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Creates and removes the macvlan interfaces of virtual MAC mode (keepalived's <c>use_vmac</c>) with route netlink:
/// one private-mode macvlan per virtual router on the parent interface, whose MAC is the virtual router MAC
/// (RFC 5798 §7.3), so that the virtual addresses, the adverts and the announcements all use that MAC and a client's
/// neighbour entry survives a failover.
/// </summary>
/// <remarks>
/// <para>Creation is idempotent: a macvlan of the same name on the same parent with the same virtual router MAC (a
/// crashed run's leftover) is removed and made afresh, so its mode and settings are ours; a name held by anything
/// else (another interface kind, or a macvlan of another parent or MAC, which another program made) is refused and
/// never removed.</para>
/// <para>Settings, as keepalived's: on an IPv4 macvlan <c>arp_ignore=1</c> (answer ARP only for addresses on it, so a
/// backup, which holds none, stays silent), <c>rp_filter=0</c> and <c>accept_local=1</c> (receive adverts while it has
/// no address), IPv6 disabled (no frame of its own from the virtual MAC); on the parent <c>arp_ignore=1</c> and
/// <c>arp_filter=1</c> (the parent must not answer ARP for a virtual address with its own MAC) and, beyond keepalived,
/// <c>arp_announce=2</c>: a reply from a virtual address leaves through the parent, and the parent's ARP request for
/// the client would otherwise carry the virtual address with the parent's MAC, which a client takes as an update of
/// its neighbour entry, undoing the virtual MAC. All three are put back when the parent's last macvlan is removed; the
/// values before ours are also kept in <see cref="StateDirectory"/> (one file per network namespace and parent), so
/// that after a crash the next run puts back the administrator's values, not ours. As keepalived makes them, a macvlan has <c>addrgenmode none</c> (set after
/// creation as the kernel wants): the kernel makes no link-local address from the virtual MAC, which every router of the
/// VRID shares. An IPv6 macvlan is given its parent's link-local address (EUI-64 of the parent's MAC) instead, without
/// duplicate address detection, so that it is usable at once, its adverts leave from the address peers know the host
/// by, and nothing is sent from the virtual MAC before it is needed.</para>
/// </remarks>
public sealed class MacvlanManager : IDisposable
{
    private readonly object _gate = new();
    private readonly Socket _socket;
    private readonly byte[] _request = new byte[512];
    private readonly byte[] _response = new byte[16384];
    private readonly Dictionary<string, string> _parents = [];
    private readonly Dictionary<string, ParentSettings> _parentSettings = [];
    private readonly Dictionary<string, FileStream> _recordLocks = []; // a live run holds its records locked (flock)
    private readonly Dictionary<string, int> _listed = []; // the macvlans in ReportFilter, by name
    private uint _sequence;

    /// <summary>Gets or sets where the parents' settings from before our first macvlan are kept across a crash (made mode 0700).</summary>
    public string StateDirectory { get; init; } = "/run/vrrp";

    /// <summary>
    /// Gets or sets the filter that sends the macvlans' IGMP and MLD reports out of their parents and drops their
    /// router solicitations (keepalived's <c>vmac_map</c>), so that a backup never sends from the shared virtual MAC;
    /// <see langword="null"/> for none. Set before the first macvlan: the registration of <c>UseLinux</c> sets one when
    /// nftables is installed. The manager disposes it.
    /// </summary>
    public VirtualMacReportFilter? ReportFilter { get; set; }

    /// <summary>Raised when a macvlan could not be listed in, or taken out of, <see cref="ReportFilter"/>: it then runs
    /// without it (its reports may leave from the virtual MAC), as keepalived carries on when nftables fails.</summary>
    public event EventHandler<string>? ReportFilterFailed;

    /// <summary>Opens a route netlink socket.</summary>
    /// <exception cref="UnauthorizedAccessException">The socket cannot be opened.</exception>
    public MacvlanManager()
    {
        _socket = RawSockets.Open(RawSockets.AF_NETLINK, 0 /* NETLINK_ROUTE */, "CAP_NET_ADMIN");
        _socket.ReceiveTimeout = 2000;
    }

    /// <summary>Gets keepalived's name for a virtual router's macvlan: <c>vrrp.{VRID}</c>, and <c>vrrp6.{VRID}</c> for IPv6
    /// (a VRID is per family, so both families may use the same one on one parent).</summary>
    /// <param name="family">The router's address family.</param>
    /// <param name="virtualRouterId">The VRID.</param>
    /// <returns>The interface name.</returns>
    public static string DefaultName(AddressFamily family, byte virtualRouterId) =>
        string.Create(CultureInfo.InvariantCulture, $"{(family == AddressFamily.InterNetworkV6 ? "vrrp6" : "vrrp")}.{virtualRouterId}");

    /// <summary>
    /// Creates (or re-creates) the macvlan of a virtual router on <paramref name="parent"/> with the virtual router MAC,
    /// configures it and brings it up.
    /// </summary>
    /// <param name="name">The interface name, e.g. <see cref="DefaultName"/>; at most 15 characters.</param>
    /// <param name="parent">The interface the router runs on.</param>
    /// <param name="family">The router's address family: it chooses the MAC block and the settings.</param>
    /// <param name="virtualRouterId">The VRID: the last byte of the MAC.</param>
    /// <returns>
    /// The macvlan, described for a transport: its index and MAC, the parent's primary IPv4 address (the source of IPv4
    /// adverts) and, for IPv6, its own link-local address (the source of IPv6 adverts).
    /// </returns>
    /// <exception cref="VrrpConfigurationException">The name is invalid, or held by an interface that is not a macvlan of this parent with this MAC.</exception>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_ADMIN.</exception>
    /// <exception cref="IOException">The kernel refused for another reason.</exception>
    public LinuxInterface Create(string name, LinuxInterface parent, AddressFamily family, byte virtualRouterId)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (string.IsNullOrEmpty(name) || name.Length > 15 || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace))
        {
            throw new VrrpConfigurationException([$"VirtualMacInterface must be an interface name of 1 to 15 characters without '/' or spaces; '{name}' is not."]);
        }

        MacAddress mac = MacAddress.ForVirtualRouter(family, virtualRouterId);
        int index;
        PackedIPAddress linkLocal = default;
        lock (_gate)
        {
            RemoveLeftover(name, parent, mac);
            Check(Request(NetlinkLinkMessage.WriteCreateMacvlan(_request, ++_sequence, name, parent.Index, mac, NetlinkLinkMessage.MACVLAN_MODE_PRIVATE)), $"creating macvlan {name} on {parent.Name}");
            try
            {
                index = Describe(name)?.Index ?? throw new IOException($"macvlan {name} vanished after it was created.");
                // As keepalived: the kernel makes no link-local address from the shared virtual MAC (every router of
                // the VRID would have the same one); an IPv6 macvlan gets its parent's, added below.
                Check(Request(NetlinkLinkMessage.WriteAddressGenerationMode(_request, ++_sequence, index, NetlinkLinkMessage.IN6_ADDR_GEN_MODE_NONE)), $"setting addrgenmode none on {name}");
                ListForReports(name, index, parent.Index, family); // before it is up: its first report already goes out of the parent
                if (family == AddressFamily.InterNetworkV6)
                {
                    WriteSysctl("ipv6", name, "accept_dad", "0");
                }
                else
                {
                    WriteSysctl("ipv4", name, "arp_ignore", "1");
                    WriteSysctl("ipv4", name, "accept_local", "1");
                    WriteSysctl("ipv4", name, "rp_filter", "0");
                    WriteSysctl("ipv6", name, "disable_ipv6", "1");
                    HoldParentSettings(parent.Name);
                    _parents[name] = parent.Name;
                }

                Check(Request(NetlinkLinkMessage.WriteSetUp(_request, ++_sequence, index)), $"bringing {name} up");
                if (family == AddressFamily.InterNetworkV6)
                {
                    linkLocal = LinkLocalOf(parent.Mac);
                    var address = new VirtualAddress(linkLocal, 64);
                    // Deprecated, as keepalived adds it: never chosen as the source of the host's own connections.
                    Check(Request(NetlinkAddressMessage.Write(_request, NetlinkAddressMessage.RTM_NEWADDR, ++_sequence, index, address, AddressPlacement.Default with { PreferredLifetime = 0 })), $"adding {address} to {name}");
                }
            }
            catch
            {
                RemoveLocked(name); // half made is worse than not made
                throw;
            }
        }

        return LinuxInterface.Create(name, index, mac, parent.PrimaryIPv4, linkLocal);
    }

    // The EUI-64 link-local address of a MAC (RFC 4291 appendix A): what the parent has, so adverts leave the macvlan
    // from the address a peer knows the host by, as keepalived gives it.
    private static PackedIPAddress LinkLocalOf(MacAddress mac)
    {
        Span<byte> bytes = stackalloc byte[16];
        Span<byte> octets = stackalloc byte[MacAddress.Length];
        mac.WriteTo(octets);
        bytes[0] = 0xfe;
        bytes[1] = 0x80;
        bytes[8] = (byte)(octets[0] ^ 0x02);
        bytes[9] = octets[1];
        bytes[10] = octets[2];
        bytes[11] = 0xff;
        bytes[12] = 0xfe;
        bytes[13] = octets[3];
        bytes[14] = octets[4];
        bytes[15] = octets[5];
        return PackedIPAddress.FromBytes(bytes);
    }

    /// <summary>Removes a macvlan; one that is not there is not an error. Puts back the parent's ARP settings after its last macvlan.</summary>
    /// <param name="name">The interface name.</param>
    /// <returns><see langword="true"/> when it was there and is gone.</returns>
    /// <exception cref="InvalidOperationException">The name is held by an interface that is not a macvlan: it is never removed.</exception>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_ADMIN.</exception>
    public bool Remove(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_gate)
        {
            return RemoveLocked(name);
        }
    }

    /// <summary>
    /// Puts back the parents' ARP settings that a crashed run of this network namespace recorded in
    /// <see cref="StateDirectory"/> and never restored, for every parent this manager holds no macvlan on; and deletes
    /// the records. Done once before the first router starts, so that a run without virtual MAC does not keep a
    /// crashed run's settings for good. Its macvlans are left: a keepalived beside us names and addresses its own the
    /// same way.
    /// </summary>
    /// <returns>The parents whose settings were put back.</returns>
    /// <exception cref="UnauthorizedAccessException">The process lacks CAP_NET_ADMIN to write the settings.</exception>
    public IReadOnlyList<string> RestoreSettingsLeftBehind()
    {
        var restored = new List<string>();
        if (NetworkNamespaces.CurrentInode() is not ulong inode || !Directory.Exists(StateDirectory))
        {
            return restored;
        }

        string prefix = string.Create(CultureInfo.InvariantCulture, $"macvlan-parent.net{inode}.");
        lock (_gate)
        {
            foreach (string path in Directory.GetFiles(StateDirectory, prefix + "*"))
            {
                string parent = Path.GetFileName(path)[prefix.Length..];
                if (_parentSettings.ContainsKey(parent) || parent.EndsWith(".new", StringComparison.Ordinal))
                {
                    continue;
                }

                FileStream held;
                try
                {
                    held = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
                }
                catch (IOException)
                {
                    continue; // locked: a live run's, not a crashed one's
                }

                using (held)
                {
                    // Read through the stream that holds the lock: another open of the file would meet that lock.
                    using var reader = new StreamReader(held, leaveOpen: true);
                    if (ParseRecord(reader.ReadToEnd()) is { } original && NetworkInterface.GetAllNetworkInterfaces().Any(n => n.Name == parent))
                    {
                        WriteSysctl("ipv4", parent, "arp_ignore", original.ArpIgnore);
                        WriteSysctl("ipv4", parent, "arp_filter", original.ArpFilter);
                        WriteSysctl("ipv4", parent, "arp_announce", original.ArpAnnounce);
                        restored.Add(parent);
                    }

                    File.Delete(path); // put back, or of a parent that is gone (a new one of the name starts from its own values)
                }
            }
        }

        return restored;
    }

    /// <summary>Tells whether an interface of that name exists and is a macvlan.</summary>
    /// <param name="name">The interface name.</param>
    /// <returns>Whether it is a macvlan.</returns>
    public bool IsMacvlan(string name)
    {
        lock (_gate)
        {
            return Describe(name)?.Kind == "macvlan";
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _socket.Dispose();
        lock (_gate)
        {
            foreach (FileStream recordLock in _recordLocks.Values)
            {
                recordLock.Dispose(); // a record still there is a parent not put back: the next run does it
            }

            _recordLocks.Clear();
            ReportFilter?.Dispose();
        }
    }

    // What a crashed run of ours left is a macvlan of this name, parent and virtual router MAC: anything else under the
    // name belongs to someone else (keepalived beside us, an administrator) and is never removed.
    private void RemoveLeftover(string name, LinuxInterface parent, MacAddress mac)
    {
        if (Describe(name) is not { } existing)
        {
            return;
        }

        if (existing.Kind != "macvlan" || existing.ParentIndex != parent.Index || existing.Mac != mac)
        {
            string what = existing.Kind != "macvlan"
                ? $"is not a macvlan ({(existing.Kind.Length == 0 ? "a device" : existing.Kind)})"
                : existing.ParentIndex != parent.Index ? $"is a macvlan of another parent (index {existing.ParentIndex}, not {parent.Name})"
                : $"is a macvlan with another MAC ({existing.Mac}, not {mac})";
            throw new VrrpConfigurationException([$"VirtualMacInterface '{name}' names an existing interface that {what}: it is not ours and is never removed; choose another name."]);
        }

        RemoveLocked(name);
    }

    private bool RemoveLocked(string name)
    {
        LinkDescription? existing = Describe(name);
        if (existing is null)
        {
            Unlist(name); // gone with its parent, or deleted from outside: its element goes by index all the same
            return false;
        }

        if (existing.Value.Kind != "macvlan")
        {
            throw new InvalidOperationException($"VirtualMacInterface '{name}' names an existing interface that is not a macvlan ({(existing.Value.Kind.Length == 0 ? "a device" : existing.Value.Kind)}); it is never removed: choose another name.");
        }

        int error = Request(NetlinkLinkMessage.WriteDelete(_request, ++_sequence, name));
        if (error != Errno.ENODEV)
        {
            Check(error, $"removing macvlan {name}");
        }

        Unlist(name); // after the link: nothing it sends while going leaves from the virtual MAC

        if (_parents.Remove(name, out string? parent))
        {
            ReleaseParentSettings(parent);
        }

        return true;
    }

    private void Unlist(string name)
    {
        if (!_listed.Remove(name, out int listed) || ReportFilter is not { } filter)
        {
            return;
        }

        try
        {
            filter.Remove(listed);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            ReportFilterFailed?.Invoke(this, $"{name}: could not take it out of nftables table {filter.Table}: {e.Message}");
        }
    }

    private void ListForReports(string name, int index, int parentIndex, AddressFamily family)
    {
        if (ReportFilter is not { } filter)
        {
            return;
        }

        try
        {
            filter.Add(index, parentIndex, family);
            _listed[name] = index;
        }
        catch (InvalidOperationException e)
        {
            ReportFilterFailed?.Invoke(this, $"{name}: could not list it in nftables table {filter.Table}, so its multicast reports may leave from the virtual MAC: {e.Message}");
        }
    }

    // RTM_GETLINK by name: null when no such interface (ENODEV).
    private LinkDescription? Describe(string name)
    {
        uint sequence = ++_sequence;
        int length = NetlinkLinkMessage.WriteGet(_request, sequence, name);
        try
        {
            _socket.Send(_request.AsSpan(0, length));
            while (true)
            {
                int received = _socket.Receive(_response);
                if (NetlinkLinkMessage.TryReadLink(_response.AsSpan(0, received), sequence, out LinkDescription link, out int error))
                {
                    if (-error == Errno.ENODEV)
                    {
                        return null;
                    }

                    Check(-error, $"looking up {name}");
                    return link;
                }
            }
        }
        catch (SocketException e)
        {
            throw new IOException($"netlink request for {name}: {e.Message}", e);
        }
    }

    // Sends the request just written (with sequence _sequence) and waits for its acknowledgement: 0, or the errno.
    private int Request(int length)
    {
        try
        {
            return NetlinkAddressMessage.Exchange(_socket, _request.AsSpan(0, length), _response, _sequence);
        }
        catch (SocketException e)
        {
            throw new IOException($"netlink request: {e.Message}", e);
        }
    }

    private static void Check(int errno, string what)
    {
        if (errno != 0)
        {
            throw Errno.Failure(what, errno, "CAP_NET_ADMIN");
        }
    }

    private void HoldParentSettings(string parent)
    {
        if (_parentSettings.TryGetValue(parent, out ParentSettings? held))
        {
            held.Count++;
            return;
        }

        // The values before ours: those a crashed run recorded, else the current ones, recorded before any is changed.
        ParentSettings original = ReadRecord(parent)
            ?? new ParentSettings(ReadSysctl(parent, "arp_ignore"), ReadSysctl(parent, "arp_filter"), ReadSysctl(parent, "arp_announce"));
        WriteRecord(parent, original);
        LockRecord(parent);
        _parentSettings[parent] = original;
        WriteSysctl("ipv4", parent, "arp_ignore", "1");
        WriteSysctl("ipv4", parent, "arp_filter", "1");
        WriteSysctl("ipv4", parent, "arp_announce", "2");
    }

    private void ReleaseParentSettings(string parent)
    {
        if (_parentSettings.TryGetValue(parent, out ParentSettings? held) && --held.Count == 0)
        {
            _parentSettings.Remove(parent);
            if (NetworkInterface.GetAllNetworkInterfaces().Any(n => n.Name == parent))
            {
                WriteSysctl("ipv4", parent, "arp_ignore", held.ArpIgnore);
                WriteSysctl("ipv4", parent, "arp_filter", held.ArpFilter);
                WriteSysctl("ipv4", parent, "arp_announce", held.ArpAnnounce);
            }

            if (RecordPath(parent) is { } record)
            {
                File.Delete(record);
            }

            if (_recordLocks.Remove(parent, out FileStream? recordLock))
            {
                recordLock.Dispose();
            }
        }
    }

    // Held for as long as this run holds the parent: RestoreSettingsLeftBehind of another process in the namespace
    // (a second vrrpd, an application using the library) then tells a live run's record from a crashed one's.
    private void LockRecord(string parent)
    {
        if (RecordPath(parent) is not { } path || _recordLocks.ContainsKey(parent))
        {
            return;
        }

        try
        {
            _recordLocks[parent] = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
        }
        catch (IOException)
        {
            // another live run holds it: both keep the same originals
        }
    }

    private string? RecordPath(string parent) =>
        NetworkNamespaces.CurrentInode() is ulong inode ? Path.Combine(StateDirectory, string.Create(CultureInfo.InvariantCulture, $"macvlan-parent.net{inode}.{parent}")) : null;

    private ParentSettings? ReadRecord(string parent)
    {
        if (RecordPath(parent) is not { } path || !File.Exists(path))
        {
            return null;
        }

        // FileShare.ReadWrite takes no lock of .NET's (flock): a live run's locked record is still read.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return ParseRecord(reader.ReadToEnd());
    }

    private static ParentSettings? ParseRecord(string text)
    {
        Dictionary<string, string> values = text.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return values.TryGetValue("arp_ignore", out string? ignore) && values.TryGetValue("arp_filter", out string? filter) && values.TryGetValue("arp_announce", out string? announce)
            && new[] { ignore, filter, announce }.All(v => v.Length is > 0 and < 4 && v.All(char.IsAsciiDigit))
            ? new ParentSettings(ignore, filter, announce)
            : null;
    }

    private void WriteRecord(string parent, ParentSettings settings)
    {
        if (RecordPath(parent) is not { } path)
        {
            return;
        }

        Directory.CreateDirectory(StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (new DirectoryInfo(StateDirectory).LinkTarget is not null)
        {
            throw new IOException($"{StateDirectory} is a symbolic link: not writing the parent's settings through it.");
        }

        string temporary = path + ".new";
        File.WriteAllText(temporary, $"arp_ignore={settings.ArpIgnore}\narp_filter={settings.ArpFilter}\narp_announce={settings.ArpAnnounce}\n");
        File.Move(temporary, path, overwrite: true);
    }

    private static string ReadSysctl(string interfaceName, string setting) =>
        File.ReadAllText($"/proc/sys/net/ipv4/conf/{interfaceName}/{setting}").Trim();

    // /proc/sys/net is the calling thread's network namespace, as netlink is.
    private static void WriteSysctl(string family, string interfaceName, string setting, string value)
    {
        string path = $"/proc/sys/net/{family}/conf/{interfaceName}/{setting}";
        try
        {
            File.WriteAllText(path, value);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"writing {path} failed: the process lacks CAP_NET_ADMIN (run as root, or grant it with setcap or the container's capabilities).", e);
        }
    }

    private sealed class ParentSettings(string arpIgnore, string arpFilter, string arpAnnounce)
    {
        public string ArpIgnore { get; } = arpIgnore;

        public string ArpFilter { get; } = arpFilter;

        public string ArpAnnounce { get; } = arpAnnounce;

        public int Count { get; set; } = 1;
    }
}
