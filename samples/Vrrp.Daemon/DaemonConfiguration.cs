using System.Text.Json;
using System.Text.Json.Serialization;
using Vrrp;

namespace VrrpDaemon;

/// <summary>The daemon's configuration file: a list of virtual routers, each as <see cref="VirtualRouterOptions"/> in JSON.</summary>
internal sealed class DaemonConfiguration
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
        Converters = { new JsonStringEnumConverter() },
    };

    public List<JsonElement> Routers { get; init; } = [];

    public static DaemonConfiguration Load(string path) =>
        JsonSerializer.Deserialize<DaemonConfiguration>(File.ReadAllText(path), s_json) ?? throw new InvalidDataException($"{path}: empty configuration.");

    public static VirtualRouterOptions ToOptions(JsonElement router) =>
        router.Deserialize<VirtualRouterOptions>(s_json) ?? throw new InvalidDataException("A router entry is empty.");
}
