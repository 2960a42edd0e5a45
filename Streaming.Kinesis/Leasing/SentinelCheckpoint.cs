namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>The KCL's checkpoint values that are not sequence numbers.</summary>
internal static class SentinelCheckpoint
{
    public const string TrimHorizon = "TRIM_HORIZON";
    public const string Latest = "LATEST";
    public const string AtTimestamp = "AT_TIMESTAMP";
    public const string ShardEnd = "SHARD_END";

    public static bool IsSentinel(string checkpoint) =>
        checkpoint is TrimHorizon or Latest or AtTimestamp or ShardEnd;
}
