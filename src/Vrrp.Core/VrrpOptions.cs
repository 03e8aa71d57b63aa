namespace Vrrp;

/// <summary>
/// The routers a host runs, as <c>AddVrrp()</c> registers them: read from a configuration section with a
/// <c>Routers</c> list, added in code, or both; validated when the host starts.
/// </summary>
/// <example>
/// <code>
/// { "Vrrp": { "Routers": [ { "Name": "VI_51", "Interface": "eth0", "VirtualRouterId": 51, "Priority": 100,
///                            "AdvertisementInterval": "00:00:01", "VirtualAddresses": [ "198.51.100.100/24" ] } ] } }
/// </code>
/// </example>
public sealed class VrrpOptions
{
    /// <summary>Gets the routers, each with its own <see cref="VirtualRouterOptions.Name"/> and VRID.</summary>
    public IList<VirtualRouterOptions> Routers { get; } = new List<VirtualRouterOptions>();

    /// <summary>Gets what could not be read from configuration, reported with the validation errors at start.</summary>
    internal List<string> ConfigurationErrors { get; } = [];
}
