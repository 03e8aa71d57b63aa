using System.Text.Json;
using System.Text.Json.Serialization;
using Vrrp;

namespace VrrpDaemon;

/// <summary>
/// The daemon's JSON contracts, generated at build time: vrrpd publishes as NativeAOT, where reflection-based
/// serialization is not available. Settings are those the JSON configuration always had: case-insensitive names,
/// comments and trailing commas allowed, enums as names, list properties filled in place.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(DaemonConfiguration))]
[JsonSerializable(typeof(VirtualRouterOptions))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext;
