namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Delta's <c>timestamp</c>: microseconds since the Unix epoch, UTC. Rows carry ticks (100 ns); the last digit is cut,
/// rounding toward the past, as Spark does.
/// </summary>
internal static class DeltaTimestamps
{
    public static long ToMicros(DateTimeOffset value) => FloorDiv(value.UtcTicks - DateTime.UnixEpoch.Ticks, 10);

    public static long ToMicros(DateTime value) =>
        FloorDiv((value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value).Ticks - DateTime.UnixEpoch.Ticks, 10);

    public static DateTime ToDateTime(long micros) => new(DateTime.UnixEpoch.Ticks + (micros * 10), DateTimeKind.Utc);

    /// <summary>The statistics' text: milliseconds, <c>2024-05-06T05:08:09.123Z</c>; <paramref name="roundUp"/> for a maximum, so it never lies below a value.</summary>
    public static string ToStatsText(long micros, bool roundUp)
    {
        var millis = FloorDiv(micros, 1000);
        if (roundUp && millis * 1000 != micros)
        {
            millis++;
        }

        return DateTime.UnixEpoch.AddMilliseconds(millis).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long FloorDiv(long value, long divisor)
    {
        var quotient = Math.DivRem(value, divisor, out var remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }
}
