using System.Globalization;
using Microsoft.Extensions.Configuration;
using Vrrp.Packets;

namespace Vrrp.DependencyInjection;

/// <summary>
/// Reads <see cref="VrrpOptions"/> from configuration by hand, as the trimming- and AOT-safe alternative to the
/// reflection binder: each key is known, each value parsed with the invariant culture, and what cannot be read is
/// reported at start with its path and allowed range, as <see cref="VirtualRouterOptions.Validate"/> reports the rest.
/// </summary>
internal static class VrrpConfigurationReader
{

    public static void Read(IConfiguration configuration, VrrpOptions options)
    {
        foreach (IConfigurationSection child in configuration.GetChildren())
        {
            if (!string.Equals(child.Key, "Routers", StringComparison.OrdinalIgnoreCase))
            {
                options.ConfigurationErrors.Add($"{child.Path} is not a Vrrp setting: the section holds 'Routers', a list of routers.");
                continue;
            }

            foreach (IConfigurationSection entry in child.GetChildren())
            {
                var router = new VirtualRouterOptions();
                ReadRouter(entry, router, options.ConfigurationErrors);
                options.Routers.Add(router);
            }
        }
    }

    /// <summary>Reads the UDP transport's settings (<c>LocalAddress</c>, <c>Port</c>, <c>Peers</c>, <c>Key</c>, <c>AllowUnauthenticated</c>).</summary>
    /// <returns>What cannot be read, each naming its path and what it must be.</returns>
    public static List<string> ReadUdp(IConfiguration configuration, Transport.UdpTransportOptions o)
    {
        var errors = new List<string>();
        foreach (IConfigurationSection field in configuration.GetChildren())
        {
            switch (field.Key.ToUpperInvariant())
            {
                case "LOCALADDRESS": o.LocalAddress = field.Value ?? string.Empty; break;
                case "PORT": o.Port = Int(field, "an integer from 1 to 65535", o.Port, errors); break;
                case "PEERS": List(field, o.Peers); break;
                case "KEY": o.Key = field.Value; break; // never echoed: a wrong key is reported by length alone
                case "ALLOWUNAUTHENTICATED": o.AllowUnauthenticated = Bool(field, o.AllowUnauthenticated, errors); break;
                default:
                    errors.Add($"{field.Path} is not a UDP transport setting: LocalAddress, Port, Peers, Key, AllowUnauthenticated.");
                    break;
            }
        }

        return errors;
    }

    private static void ReadRouter(IConfigurationSection entry, VirtualRouterOptions o, List<string> errors)
    {
        foreach (IConfigurationSection field in entry.GetChildren())
        {
            string? value = field.Value;
            switch (field.Key.ToUpperInvariant())
            {
                case "NAME": o.Name = value; break;
                case "INTERFACE": o.Interface = value ?? string.Empty; break;
                case "VIRTUALROUTERID": o.VirtualRouterId = Int(field, "an integer from 1 to 255", o.VirtualRouterId, errors); break;
                case "PRIORITY": o.Priority = Int(field, "an integer from 1 to 254 (255 with Owner)", o.Priority, errors); break;
                case "OWNER": o.Owner = Bool(field, o.Owner, errors); break;
                case "VERSION": o.Version = Enum(field, "V2 or V3", o.Version, errors); break;
                case "ADVERTISEMENTINTERVAL": o.AdvertisementInterval = Time(field, "10 ms to 40.95 s in 10 ms steps for VRRPv3, 1 to 255 s for VRRPv2", o.AdvertisementInterval, errors); break;
                case "VIRTUALADDRESSES": List(field, o.VirtualAddresses); break;
                case "UNICASTPEERS": List(field, o.UnicastPeers); break;
                case "EXCLUDEDADDRESSES": List(field, o.ExcludedAddresses); break;
                case "VIRTUALROUTES": List(field, o.VirtualRoutes); break;
                case "VIRTUALRULES": List(field, o.VirtualRules); break;
                case "SOURCEADDRESS": o.SourceAddress = value; break;
                case "UNICASTMINIMUMHOPLIMIT": o.UnicastMinimumHopLimit = Int(field, "an integer from 0 to 255", o.UnicastMinimumHopLimit, errors); break;
                case "UNICASTMAXIMUMHOPLIMIT": o.UnicastMaximumHopLimit = Int(field, "an integer from 0 to 255", o.UnicastMaximumHopLimit, errors); break;
                case "UNICASTTIMETOLIVE": o.UnicastTimeToLive = Int(field, "an integer from 0 to 255", o.UnicastTimeToLive, errors); break;
                case "PREEMPT": o.Preempt = Bool(field, o.Preempt, errors); break;
                case "PREEMPTDELAY": o.PreemptDelay = Time(field, "0 to 1000 s", o.PreemptDelay, errors); break;
                case "ACCEPTMODE": o.AcceptMode = Bool(field, o.AcceptMode, errors); break;
                case "ADVERTISEONLOWERPRIORITY": o.AdvertiseOnLowerPriority = Bool(field, o.AdvertiseOnLowerPriority, errors); break;
                case "ADVERTISEONHIGHERPRIORITY": o.AdvertiseOnHigherPriority = Bool(field, o.AdvertiseOnHigherPriority, errors); break;
                case "MULTICASTGROUP": o.MulticastGroup = value; break;
                case "TRACKINTERFACE": o.TrackInterface = Bool(field, o.TrackInterface, errors); break;
                case "SKIPCHECKADVERTISEDADDRESSES": o.SkipCheckAdvertisedAddresses = Bool(field, o.SkipCheckAdvertisedAddresses, errors); break;
                case "DOWNTIMERADVERTS": o.DownTimerAdverts = Int(field, "an integer from 1 to 100", o.DownTimerAdverts, errors); break;
                case "STARTUPDELAY": o.StartupDelay = Time(field, "0 to 3600 s", o.StartupDelay, errors); break;
                case "GARPMASTERREPEAT": o.GarpMasterRepeat = Int(field, "an integer from 0 to 255", o.GarpMasterRepeat, errors); break;
                case "GARPMASTERDELAY": o.GarpMasterDelay = Time(field, "0 to 255 s", o.GarpMasterDelay, errors); break;
                case "GARPMASTERREFRESH": o.GarpMasterRefresh = Time(field, "0 to 86400 s", o.GarpMasterRefresh, errors); break;
                case "OTHERINTERFACEANNOUNCEMENTINTERVAL": o.OtherInterfaceAnnouncementInterval = Time(field, "0 to 86400 s", o.OtherInterfaceAnnouncementInterval, errors); break;
                case "GARPMASTERREFRESHREPEAT": o.GarpMasterRefreshRepeat = Int(field, "an integer from 1 to 255", o.GarpMasterRefreshRepeat, errors); break;
                case "GARPLOWERPRIORITYREPEAT": o.GarpLowerPriorityRepeat = Int(field, "an integer from 0 to 255", o.GarpLowerPriorityRepeat, errors); break;
                case "GARPLOWERPRIORITYDELAY": o.GarpLowerPriorityDelay = Time(field, "0 to 255 s", o.GarpLowerPriorityDelay, errors); break;
                case "ANSWERCONFLICTINGANNOUNCEMENTS": o.AnswerConflictingAnnouncements = Bool(field, o.AnswerConflictingAnnouncements, errors); break;
                case "CHECKSUMFORM": o.ChecksumForm = Enum(field, "PseudoHeader or MessageOnly", o.ChecksumForm, errors); break;
                case "AUTHENTICATIONTYPE": o.AuthenticationType = Enum(field, "None, SimplePassword or IPAuthenticationHeader", o.AuthenticationType, errors); break;
                case "AUTHENTICATIONPASSWORD": o.AuthenticationPassword = value; break;
                case "USEVIRTUALMAC": o.UseVirtualMac = Bool(field, o.UseVirtualMac, errors); break;
                case "VIRTUALMACTRANSMITONPARENT": o.VirtualMacTransmitOnParent = Bool(field, o.VirtualMacTransmitOnParent, errors); break;
                case "VIRTUALMACINTERFACE": o.VirtualMacInterface = value; break;
                case "REQUIREIPV6LINKLOCALFIRST": o.RequireIPv6LinkLocalFirst = Bool(field, o.RequireIPv6LinkLocalFirst, errors); break;
                case "CHECKS": ReadChecks(field, o.Checks, errors); break;
                default:
                    errors.Add($"{field.Path} is not a router setting (checks from configuration go in 'Checks'; TrackedChecks objects are added in code).");
                    break;
            }
        }
    }

    private static void ReadChecks(IConfigurationSection section, IList<Health.VrrpCheckDefinition> checks, List<string> errors)
    {
        checks.Clear();
        foreach (IConfigurationSection entry in section.GetChildren())
        {
            var check = new Health.VrrpCheckDefinition();
            foreach (IConfigurationSection field in entry.GetChildren())
            {
                string? value = field.Value;
                switch (field.Key.ToUpperInvariant())
                {
                    case "TYPE": check.Type = value ?? string.Empty; break;
                    case "TARGET": check.Target = value ?? string.Empty; break;
                    case "NAME": check.Name = value; break;
                    case "INTERVAL": check.Interval = Time(field, "more than 0 and at most one day", check.Interval, errors); break;
                    case "TIMEOUT": check.Timeout = Time(field, "more than 0 and at most one day", check.Timeout ?? check.Interval, errors); break;
                    case "RISE": check.Rise = Int(field, "an integer from 1 to 1000000", check.Rise, errors); break;
                    case "FALL": check.Fall = Int(field, "an integer from 1 to 1000000", check.Fall, errors); break;
                    case "WEIGHT": check.Weight = Int(field, "an integer from -253 to 253", check.Weight, errors); break;
                    case "INITFAIL": check.InitFail = Bool(field, check.InitFail, errors); break;
                    case "EXPECTEDSTATUSCODES":
                        var codes = new List<string>();
                        List(field, codes);
                        foreach (string code in codes)
                        {
                            if (int.TryParse(code, NumberStyles.Integer, CultureInfo.InvariantCulture, out int status) && status is >= 100 and <= 599)
                            {
                                check.ExpectedStatusCodes.Add(status);
                            }
                            else
                            {
                                errors.Add($"{field.Path} must list HTTP status codes, 100 to 599; got '{code}'.");
                            }
                        }

                        break;
                    default:
                        errors.Add($"{field.Path} is not a check setting: Type, Target, Name, Interval, Timeout, Rise, Fall, Weight, InitFail, ExpectedStatusCodes.");
                        break;
                }
            }

            checks.Add(check);
        }
    }

    private static void List(IConfigurationSection field, IList<string> list)
    {
        list.Clear();
        if (field.Value is { Length: > 0 } single)
        {
            list.Add(single);
        }

        foreach (IConfigurationSection item in field.GetChildren())
        {
            if (item.Value is { } text)
            {
                list.Add(text);
            }
        }
    }

    private static int Int(IConfigurationSection field, string range, int current, List<string> errors)
    {
        if (int.TryParse(field.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        errors.Add($"{field.Path} must be {range}; got '{field.Value}'.");
        return current;
    }

    private static bool Bool(IConfigurationSection field, bool current, List<string> errors)
    {
        if (bool.TryParse(field.Value, out bool value))
        {
            return value;
        }

        errors.Add($"{field.Path} must be true or false; got '{field.Value}'.");
        return current;
    }

    private static TimeSpan Time(IConfigurationSection field, string range, TimeSpan current, List<string> errors)
    {
        if (TimeSpan.TryParse(field.Value, CultureInfo.InvariantCulture, out TimeSpan value))
        {
            return value;
        }

        errors.Add($"{field.Path} must be a time span written hh:mm:ss[.fff], {range}; got '{field.Value}'.");
        return current;
    }

    private static T Enum<T>(IConfigurationSection field, string names, T current, List<string> errors)
        where T : struct, Enum
    {
        if (System.Enum.TryParse(field.Value, ignoreCase: true, out T value) && System.Enum.IsDefined(value))
        {
            return value;
        }

        errors.Add($"{field.Path} must be {names}; got '{field.Value}'.");
        return current;
    }
}
