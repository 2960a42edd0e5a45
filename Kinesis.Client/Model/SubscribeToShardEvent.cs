namespace KinesisGrains.Kinesis.Client;

/// <summary>One event of a shard subscription (enhanced fan-out).</summary>
/// <param name="ContinuationSequenceNumber">Where to subscribe again (AFTER_SEQUENCE_NUMBER); it moves even when no record came. Null at the shard's end.</param>
/// <param name="ChildShards">The shards that continue this one; filled at the shard's end.</param>
public sealed record SubscribeToShardEvent(
    IReadOnlyList<KinesisRecord> Records,
    string? ContinuationSequenceNumber,
    long MillisBehindLatest,
    IReadOnlyList<ChildShard> ChildShards)
{
    /// <summary>The shard is closed and read to its end (the KCL's rule: no continuation, and child shards named).</summary>
    public bool IsShardEnd => ContinuationSequenceNumber is null && ChildShards.Count > 0;
}
