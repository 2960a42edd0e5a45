using Orleans;

namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// What a keyed-state partition did since its previous checkpoint barrier, as it answers the next one: the state
/// part of a progress record.
/// </summary>
/// <param name="StateName">The partition grain's state name (its operator).</param>
/// <param name="KeysTotal">RocksDB's estimate of the keys it holds (an estimate: overwrites not yet compacted may count).</param>
/// <param name="KeysUpdated">Key states written since the previous barrier.</param>
/// <param name="MemoryBytes">RocksDB memtables and table readers (the shared block cache is not counted).</param>
/// <param name="SnapshotBytes">Bytes uploaded by this barrier's snapshot (0 without a bucket).</param>
/// <param name="SnapshotDurationMs">This barrier's persist: write, checkpoint and upload.</param>
/// <param name="Sinks">What each sink of the partition's state committed; empty without sinks.</param>
/// <param name="Watermark">The partition's event-time watermark (the minimum over the shards feeding it, idle ones left out); null before any.</param>
/// <param name="TimersFired">Timers fired since the previous barrier.</param>
/// <param name="LateEvents">Events later than their window's allowed lateness since the previous barrier (dead-lettered with reason <c>late</c>).</param>
[GenerateSerializer, Immutable]
public sealed record PartitionProgress(
    [property: Id(0)] string StateName,
    [property: Id(1)] int Partition,
    [property: Id(2)] long KeysTotal,
    [property: Id(3)] long KeysUpdated,
    [property: Id(4)] long MemoryBytes,
    [property: Id(5)] long SnapshotBytes,
    [property: Id(6)] long SnapshotDurationMs,
    [property: Id(7)] double ApplyMs,
    [property: Id(8)] double StateWriteMs,
    [property: Id(9)] long EventsApplied,
    [property: Id(10)] long DeadLetters,
    [property: Id(11)] IReadOnlyList<SinkProgress>? Sinks = null,
    [property: Id(12)] DateTimeOffset? Watermark = null,
    [property: Id(13)] long TimersFired = 0,
    [property: Id(14)] long LateEvents = 0);
