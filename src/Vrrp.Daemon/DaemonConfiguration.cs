using System.Text.Json;
using Vrrp;
using Vrrp.Keepalived.Plan;

namespace VrrpDaemon;

/// <summary>
/// The daemon's JSON configuration: a list of virtual routers, each as <see cref="VirtualRouterOptions"/> in JSON,
/// and optionally a notify FIFO and a state file. keepalived.conf files carry checks and notify scripts too.
/// </summary>
internal sealed class DaemonConfiguration
{
    public List<JsonElement> Routers { get; init; } = [];

    public string? NotifyFifo { get; init; }

    public string? StateFile { get; init; }

    public static KeepalivedPlan LoadPlan(string path, string? stateFile)
    {
        DaemonConfiguration configuration = JsonSerializer.Deserialize(File.ReadAllText(path), DaemonJsonContext.Default.DaemonConfiguration)
            ?? throw new InvalidDataException($"{path}: empty configuration.");
        var routers = new List<KeepalivedRouterPlan>();
        foreach (JsonElement entry in configuration.Routers)
        {
            VirtualRouterOptions options = entry.Deserialize(DaemonJsonContext.Default.VirtualRouterOptions) ?? throw new InvalidDataException("A router entry is empty.");
            IReadOnlyList<string> errors = options.Validate();
            if (errors.Count > 0)
            {
                throw new VrrpConfigurationException(errors);
            }

            routers.Add(new KeepalivedRouterPlan(options.Name ?? $"VR{options.VirtualRouterId}", options, [], null));
        }

        return new KeepalivedPlan(routers, new Dictionary<string, KeepalivedCheckPlan>(), [], configuration.NotifyFifo) { StateFile = stateFile ?? configuration.StateFile };
    }
}
