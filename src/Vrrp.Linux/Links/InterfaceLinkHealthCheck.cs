using System.Globalization;
using System.Net.NetworkInformation;
using Microsoft.Win32.SafeHandles;
using Vrrp.Health;

namespace Vrrp.Linux.Links;

/// <summary>
/// Healthy while a named interface is up, as keepalived's <c>track_interface</c>: on Linux the interface is UP and
/// RUNNING, as keepalived reads them from netlink (UP from <c>/sys/class/net/IF/flags</c>, RUNNING from its
/// <c>carrier</c>: sysfs flags never carry RUNNING, and loopback's operstate is "unknown" though it runs); elsewhere
/// its <see cref="NetworkInterface.OperationalStatus"/> is <see cref="OperationalStatus.Up"/>. A missing interface is down.
/// </summary>
/// <remarks>
/// On Linux the check keeps the two sysfs files open and reads them again from their start on every run (sysfs
/// answers each read at offset 0 afresh), so a run on an interface that is up or down allocates nothing; it opens
/// them again when the interface went away and came back. Dispose it to close them.
/// </remarks>
public sealed class InterfaceLinkHealthCheck : IVrrpHealthCheck, IDisposable
{
    private const int IffUp = 0x1;
    private const int ReadFailed = -1;
    private readonly string? _flagsPath;
    private readonly string? _carrierPath;
    private readonly object _gate = new();
    private readonly byte[] _buffer = new byte[32];
    private readonly VrrpCheckResult _up;
    private readonly VrrpCheckResult _missing;
    private readonly VrrpCheckResult _adminDown;
    private readonly VrrpCheckResult _noCarrier;
    private SafeFileHandle? _flags;
    private SafeFileHandle? _carrier;
    private bool _disposed;

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
        if (sysClassNet is not null)
        {
            _flagsPath = Path.Combine(sysClassNet, interfaceName, "flags");
            _carrierPath = Path.Combine(sysClassNet, interfaceName, "carrier");
        }

        // Made once: a run only picks one.
        _up = VrrpCheckResult.Success($"{interfaceName} is up");
        _missing = VrrpCheckResult.Failure($"no interface {interfaceName}");
        _adminDown = VrrpCheckResult.Failure($"{interfaceName} is administratively down");
        _noCarrier = VrrpCheckResult.Failure($"{interfaceName} has no carrier");
    }

    /// <summary>Gets the interface name.</summary>
    public string InterfaceName { get; }

    /// <inheritdoc/>
    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_flagsPath is null)
        {
            return ValueTask.FromResult(CheckPortable());
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ValueTask.FromResult(CheckSysfs());
        }
    }

    /// <summary>Closes the sysfs files the check keeps open.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Close();
        }
    }

    private VrrpCheckResult CheckSysfs()
    {
        // A kept file of an interface that was deleted answers ENODEV: open afresh once, in case it came back.
        int length = ReadKept(ref _flags, _flagsPath!);
        if (length == ReadFailed)
        {
            Close();
            length = ReadKept(ref _flags, _flagsPath!);
        }

        if (length == ReadFailed)
        {
            Close();
            return _missing;
        }

        ReadOnlySpan<byte> text = _buffer.AsSpan(0, length).Trim("\n\t "u8);
        ReadOnlySpan<byte> hex = text.StartsWith("0x"u8) || text.StartsWith("0X"u8) ? text[2..] : text;
        if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int flags))
        {
            return VrrpCheckResult.Failure($"unreadable flags of {InterfaceName}: '{System.Text.Encoding.UTF8.GetString(text)}'");
        }

        if ((flags & IffUp) == 0)
        {
            return _adminDown;
        }

        // The kernel answers EINVAL while the interface is down: no carrier.
        length = ReadKept(ref _carrier, _carrierPath!);
        return length > 0 && _buffer[0] == (byte)'1' ? _up : _noCarrier;
    }

    private int ReadKept(ref SafeFileHandle? handle, string path)
    {
        try
        {
            handle ??= File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return RandomAccess.Read(handle, _buffer, 0);
        }
        catch (IOException)
        {
            return ReadFailed;
        }
        catch (UnauthorizedAccessException)
        {
            return ReadFailed;
        }
    }

    private void Close()
    {
        _flags?.Dispose();
        _flags = null;
        _carrier?.Dispose();
        _carrier = null;
    }

    private VrrpCheckResult CheckPortable()
    {
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.Name == InterfaceName)
            {
                return nic.OperationalStatus == OperationalStatus.Up
                    ? _up
                    : VrrpCheckResult.Failure($"{InterfaceName} is {nic.OperationalStatus}");
            }
        }

        return _missing;
    }
}
