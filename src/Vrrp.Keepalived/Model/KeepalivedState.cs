namespace Vrrp.Keepalived;

/// <summary>The initial state asked for by <c>state</c>. keepalived starts every instance as backup and lets the election decide; MASTER only matters to an address owner.</summary>
public enum KeepalivedState
{
    /// <summary><c>state BACKUP</c>, the default.</summary>
    Backup,

    /// <summary><c>state MASTER</c>.</summary>
    Master,
}
