namespace KinesisGrains.Sinks.Internal;

/// <summary>Exponential back-off with full jitter: a delay drawn uniformly from [0, min(max, base·2^(retry-1))].</summary>
/// <remarks>Full jitter keeps the partitions of a throttled table or stream from retrying in step.</remarks>
internal static class Backoff
{
    public static TimeSpan Delay(int retry, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var ceilingTicks = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, Math.Min(retry - 1, 30)));
        return TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * ceilingTicks));
    }
}
