namespace Vrrp.Keepalived;

/// <summary>One entry of <c>track_script</c>, <c>track_interface</c> or <c>track_file</c>: <c>NAME [weight N] [reverse]</c>.</summary>
/// <param name="Name">The script, interface or track file name.</param>
/// <param name="Weight">The weight given here, −253 to 253 (−254 to 254 for track files); <see langword="null"/> to use the script's or file's own (interfaces: 0, a failure is a Fault).</param>
/// <param name="Reverse">Whether the direction of the weight is reversed: <see langword="true"/> for <c>reverse</c>, <see langword="false"/> for <c>noreverse</c>, <see langword="null"/> to use the script's or file's own (interfaces: not reversed).</param>
public sealed record KeepalivedTrack(string Name, int? Weight = null, bool? Reverse = null);
