namespace KinesisGrains.Abstractions.Monitoring;

/// <param name="CaughtUp">The last fetch returned nothing and the shard reported no lag (or the shard ended).</param>
/// <param name="ReadingSince">When this silo's receiver last started reading the shard (took its lease).</param>
/// <param name="FirstDeliveredAt">When the first records read since then were delivered to every partition.</param>
/// <param name="LastDeliveredAt">When records of the shard were last delivered to every partition.</param>
/// <param name="Watermark">The shard's event-time watermark as this silo's receiver read it (the latest event time minus the out-of-orderness); null before its first event.</param>
/// <param name="Idle">No event was read from the shard for the idle timeout and nothing waits to be read: partitions leave it out of their watermark.</param>
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
    DateTimeOffset? LastDeliveredAt,
    DateTimeOffset? Watermark = null,
    bool Idle = false);
