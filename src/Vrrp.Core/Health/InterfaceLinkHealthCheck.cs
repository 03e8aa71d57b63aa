using System.Globalization;
using System.Net.NetworkInformation;

namespace Vrrp.Health;

/// <summary>
/// Healthy while a named interface is up, as keepalived's <c>track_interface</c>: on Linux the interface is UP and
/// RUNNING, as keepalived reads them from netlink (UP from <c>/sys/class/net/IF/flags</c>, RUNNING from its
/// <c>carrier</c>: sysfs flags never carry RUNNING, and loopback's operstate is "unknown" though it runs); elsewhere
/// its <see cref="NetworkInterface.OperationalStatus"/> is <see cref="OperationalStatus.Up"/>. A missing interface is down.
/// </summary>
public sealed class InterfaceLinkHealthCheck : IVrrpHealthCheck
{
    private const int IffUp = 0x1;
    private readonly string? _sysClassNet;

    /// <summary>Initializes a check of an interface.</summary>
    /// <param name="interfaceName">The interface name, e.g. <c>eth0</c>.</param>
    /// <exception cref="ArgumentException">The name is empty or holds a path separator.</exception>
    public InterfaceLinkHealthCheck(string interfaceName)
        : this(interfaceName, OperatingSystem.IsLinux() ? "/sys/class/net" : null)
    {
    }

    internal InterfaceLinkHealthCheck(string interfaceName, string? sysClassNet)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interfaceName);
        if (interfaceName.Contains('/', StringComparison.Ordinal) || interfaceName is "." or "..")
        {
            throw new ArgumentException($"'{interfaceName}' is not an interface name.", nameof(interfaceName));
        }

        InterfaceName = interfaceName;
        _sysClassNet = sysClassNet;
    }

    /// <summary>Gets the interface name.</summary>
    public string InterfaceName { get; }

    /// <inheritdoc/>
    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_sysClassNet is null ? CheckPortable() : CheckSysfs(_sysClassNet));
    }

    private VrrpCheckResult CheckSysfs(string root)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(root, InterfaceName, "flags")).Trim();
        }
        catch (IOException)
        {
            return VrrpCheckResult.Failure($"no interface {InterfaceName}");
        }
        catch (UnauthorizedAccessException)
        {
            return VrrpCheckResult.Failure($"cannot read the flags of {InterfaceName}");
        }

        ReadOnlySpan<char> hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.AsSpan(2) : text;
        if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int flags))
        {
            return VrrpCheckResult.Failure($"unreadable flags of {InterfaceName}: '{text}'");
        }

        if ((flags & IffUp) == 0)
        {
            return VrrpCheckResult.Failure($"{InterfaceName} is administratively down");
        }

        string carrier;
        try
        {
            carrier = File.ReadAllText(Path.Combine(root, InterfaceName, "carrier")).Trim();
        }
        catch (IOException)
        {
            carrier = "0"; // the kernel answers EINVAL while the interface is down
        }
        catch (UnauthorizedAccessException)
        {
            carrier = "0";
        }

        return carrier == "1" ? VrrpCheckResult.Success($"{InterfaceName} is up") : VrrpCheckResult.Failure($"{InterfaceName} has no carrier");
    }

    private VrrpCheckResult CheckPortable()
    {
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.Name == InterfaceName)
            {
                return nic.OperationalStatus == OperationalStatus.Up
                    ? VrrpCheckResult.Success($"{InterfaceName} is up")
                    : VrrpCheckResult.Failure($"{InterfaceName} is {nic.OperationalStatus}");
            }
        }

        return VrrpCheckResult.Failure($"no interface {InterfaceName}");
    }
}
