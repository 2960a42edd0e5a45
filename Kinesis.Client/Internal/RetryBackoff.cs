namespace KinesisGrains.Kinesis.Client;

/// <summary>Exponential back-off with full jitter: a delay drawn uniformly from [0, min(max, base·2^(retry-1))].</summary>
/// <remarks>Full jitter spreads clients that failed together (an emulator restart, a service blip) instead of retrying in step.</remarks>
internal static class RetryBackoff
{
    public static TimeSpan Delay(int retry, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var ceilingTicks = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, Math.Min(retry - 1, 30)));
        return TimeSpan.FromTicks((long)(random.NextDouble() * ceilingTicks));
    }
}
