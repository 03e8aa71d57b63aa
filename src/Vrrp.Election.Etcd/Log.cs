using Microsoft.Extensions.Logging;

namespace Vrrp.Election.Etcd;

/// <summary>The election's log messages; event ids are stable.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Lease {LeaseId:x} granted for {Ttl} s")]
    public static partial void LeaseGranted(ILogger logger, long leaseId, long ttl);

    [LoggerMessage(2, LogLevel.Information, "Election '{Election}': this node leads, fencing token {FencingToken}")]
    public static partial void Elected(ILogger logger, string election, long fencingToken);

    [LoggerMessage(3, LogLevel.Warning, "Election '{Election}': the term with fencing token {FencingToken} ended: {Reason}")]
    public static partial void TermEnded(ILogger logger, string election, long fencingToken, LeadershipChangeReason reason);

    [LoggerMessage(4, LogLevel.Warning, "Election '{Election}': etcd failed ({Error}); campaigning again after {RetryDelayMs} ms")]
    public static partial void CampaignFailed(ILogger logger, string election, string error, double retryDelayMs);

    [LoggerMessage(5, LogLevel.Debug, "Lease {LeaseId:x}: keep-alive failed: {Error}")]
    public static partial void KeepAliveFailed(ILogger logger, long leaseId, string error);

    [LoggerMessage(6, LogLevel.Debug, "Lease {LeaseId:x}: revoke failed: {Error}")]
    public static partial void RevokeFailed(ILogger logger, long leaseId, string error);

    [LoggerMessage(8, LogLevel.Debug, "Election '{Election}': an etcd request failed ({Error}); trying again while the lease lasts")]
    public static partial void RequestRetried(ILogger logger, string election, string error);

    [LoggerMessage(7, LogLevel.Warning, "Election '{Election}': lease {LeaseId:x} lost: {Reason}")]
    public static partial void SessionLost(ILogger logger, string election, long leaseId, string reason);
}
