using Microsoft.Extensions.Logging;

namespace Vrrp.Keepalived.Notify;

/// <summary>The log messages of keepalived's notify scripts, notify FIFO and state file, with the event ids they always had.</summary>
internal static partial class KeepalivedLog
{
    [LoggerMessage(EventId = 20, EventName = "ScriptExited",
        Message = "{Router}: notify script {Script} exited with code {ExitCode}")]
    public static partial void ScriptExited(ILogger logger, LogLevel level, string router, string script, int exitCode);

    [LoggerMessage(EventId = 21, EventName = "ScriptTimedOut", Level = LogLevel.Warning,
        Message = "{Router}: notify script {Script} ran past its timeout of {Timeout} and was killed")]
    public static partial void ScriptTimedOut(ILogger logger, string router, string script, TimeSpan timeout);

    [LoggerMessage(EventId = 22, EventName = "ScriptFailedToStart", Level = LogLevel.Error,
        Message = "{Router}: notify script {Script} could not be started")]
    public static partial void ScriptFailedToStart(ILogger logger, Exception exception, string router, string script);

    [LoggerMessage(EventId = 30, EventName = "FifoLinesDropped", Level = LogLevel.Warning,
        Message = "notify FIFO {Path}: no reader is draining it; a line was dropped ({Dropped} dropped in all)")]
    public static partial void FifoLinesDropped(ILogger logger, string path, long dropped);

    [LoggerMessage(EventId = 31, EventName = "FifoWriteFailed", Level = LogLevel.Error,
        Message = "notify FIFO {Path}: writing failed; no more lines are written to it")]
    public static partial void FifoWriteFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 32, EventName = "StateFileWriteFailed", Level = LogLevel.Error,
        Message = "state file {Path}: writing failed")]
    public static partial void StateFileWriteFailed(ILogger logger, Exception exception, string path);
}
