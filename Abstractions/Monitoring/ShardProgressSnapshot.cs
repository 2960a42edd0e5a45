namespace KinesisGrains.Abstractions.Monitoring;

/// <param name="CaughtUp">The last fetch returned nothing and the shard reported no lag (or the shard ended).</param>
/// <param name="ReadingSince">When this silo's receiver last started reading the shard (took its lease).</param>
/// <param name="FirstDeliveredAt">When the first records read since then were delivered to every partition.</param>
/// <param name="LastDeliveredAt">When records of the shard were last delivered to every partition.</param>
public sealed record ShardProgressSnapshot(
    string ShardId,
    ShardReceiverState State,
    long RecordsRead,
    long EventsApplied,
    long DeadLettered,
    string? LastSequenceNumber,
    string? Checkpoint,
    long? MillisBehindLatest,
    bool CaughtUp,
    string? LastError,
    DateTimeOffset? ReadingSince,
    DateTimeOffset? FirstDeliveredAt,
    DateTimeOffset? LastDeliveredAt);
