namespace Vrrp.Keepalived;

/// <summary>One line of <c>virtual_ipaddress</c> or <c>virtual_ipaddress_excluded</c>: <c>ADDR[/PREFIX] [dev IF] [label L] [brd B] [scope S]</c>.</summary>
/// <param name="Address">The address with its prefix, as <c>192.0.2.10/24</c>; without a prefix keepalived uses /32 or /128, and so does the reader.</param>
/// <param name="Device">The interface to put it on (<c>dev</c>); <see langword="null"/> for the instance's interface.</param>
/// <param name="Label">The address label (<c>label</c>), as <c>eth0:1</c>.</param>
/// <param name="Broadcast">The broadcast address (<c>brd</c>).</param>
/// <param name="Scope">The scope (<c>scope</c>): <c>global</c>, <c>site</c>, <c>link</c>, <c>host</c>, <c>nowhere</c> or a number.</param>
public sealed record KeepalivedVirtualAddress(string Address, string? Device = null, string? Label = null, string? Broadcast = null, string? Scope = null);
