namespace Vrrp.Protocol;

/// <summary>
/// The timer formulas of RFC 9568 §6.1 and RFC 3768 §6.1 in exact integer arithmetic, on <see cref="TimeSpan"/> ticks
/// (100 ns), so that at a 10 ms interval every priority still has its own skew (39.0625 µs apart).
/// </summary>
public static class TimerMath
{
    /// <summary>Ticks in one centisecond, the unit of VRRPv3 intervals.</summary>
    public const long TicksPerCentisecond = TimeSpan.TicksPerMillisecond * 10;

    /// <summary>
    /// Skew_Time. VRRPv3 (RFC 9568 §6.1): <c>((256 − Priority) × Active_Adver_Interval) / 256</c>.
    /// VRRPv2 (RFC 3768 §6.1): <c>(256 − Priority) / 256</c> seconds.
    /// </summary>
    /// <param name="version">2 or 3.</param>
    /// <param name="priority">The local priority.</param>
    /// <param name="masterAdverIntervalCentiseconds">The master's advertised interval (VRRPv3); ignored in VRRPv2.</param>
    /// <returns>The skew time.</returns>
    public static TimeSpan SkewTime(int version, int priority, int masterAdverIntervalCentiseconds) =>
        version == 2
            ? TimeSpan.FromTicks((256 - priority) * TimeSpan.TicksPerSecond / 256)
            : TimeSpan.FromTicks((256 - priority) * masterAdverIntervalCentiseconds * TicksPerCentisecond / 256);

    /// <summary>
    /// Master_Down_Interval (Active_Down_Interval): <c>3 × Master_Adver_Interval + Skew_Time</c> (RFC 9568 §6.1,
    /// RFC 3768 §6.1), with keepalived's <c>down_timer_adverts</c> in place of the 3.
    /// </summary>
    /// <param name="version">2 or 3.</param>
    /// <param name="priority">The local priority.</param>
    /// <param name="masterAdverIntervalCentiseconds">The master's interval (VRRPv3), or our own (VRRPv2), in centiseconds.</param>
    /// <param name="downTimerAdverts">How many intervals make the down time; 3 in the RFCs.</param>
    /// <returns>The master down interval.</returns>
    public static TimeSpan MasterDownInterval(int version, int priority, int masterAdverIntervalCentiseconds, int downTimerAdverts = 3) =>
        TimeSpan.FromTicks((downTimerAdverts * masterAdverIntervalCentiseconds * TicksPerCentisecond) + SkewTime(version, priority, masterAdverIntervalCentiseconds).Ticks);
}
