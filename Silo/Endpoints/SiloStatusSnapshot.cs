using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Streaming.Kinesis.Source;

namespace KinesisGrains.Silo.Endpoints;

/// <summary>What <c>GET /status</c> returns (camelCase JSON). Fields are only ever added: scripts and the kgrains tool read it.</summary>
/// <param name="DeadLettered">Records of this silo's shards that could not be decoded (counted when delivered).</param>
/// <param name="ServerTime">When this status was taken (UTC); ages below are relative to it.</param>
/// <param name="RecordsPerSecond">Records read per second over the last few seconds, all shards of this silo.</param>
/// <param name="DeadLetters">Every dead letter this silo wrote: undecodable records and events whose logic threw.</param>
/// <param name="Throttles">GetRecords calls Kinesis throttled on this silo.</param>
/// <param name="CheckpointAgeMs">The oldest checkpoint age among the shards this silo reads; null before the first checkpoint cycle.</param>
/// <param name="Ready">What <c>/health/ready</c> answers, with its reason.</param>
/// <param name="PartitionStates">The state partitions active on this silo.</param>
/// <param name="PausedSince">Since when the application's input is paused (<c>kgrains pause</c>): no silo reads; null when it is not.</param>
/// <param name="Sinks">Each sink as the newest progress record saw it: rows written, lag in epochs, newest version and commit; null without sinks or before the first record.</param>
public sealed record SiloStatusSnapshot(
    string SiloId,
    string ApplicationName,
    string StreamName,
    bool CaughtUp,
    long RecordsRead,
    long EventsApplied,
    long DeadLettered,
    int Partitions,
    long CheckpointCycles,
    DateTimeOffset? LastCheckpointAt,
    long FetchBufferMemoryBytes,
    long FetchBufferSpilledBytes,
    IReadOnlyCollection<ShardStatus> Shards,
    DateTimeOffset ServerTime,
    double RecordsPerSecond,
    long DeadLetters,
    long Throttles,
    long? CheckpointAgeMs,
    bool Ready,
    string ReadyReason,
    IReadOnlyCollection<PartitionStateStatus> PartitionStates,
    IReadOnlyList<SinkProgress>? Sinks = null,
    DateTimeOffset? PausedSince = null);

/// <summary>A shard's progress on this silo: the receiver's figures, then the dashboard's.</summary>
/// <param name="StateName">The receiver state as text (<see cref="State"/> stays a number for existing readers).</param>
/// <param name="LeaseHeld">This silo holds the shard's lease.</param>
/// <param name="RecordsPerSecond">Records read per second over the last few seconds.</param>
/// <param name="Throttles">GetRecords calls of this shard that Kinesis throttled.</param>
/// <param name="CheckpointCurrentAt">When a checkpoint cycle last found the checkpoint at everything delivered.</param>
/// <param name="CheckpointAgeMs">Time since then, for a shard this silo reads; null otherwise.</param>
/// <param name="ReadingSince">When this silo began reading the shard (took its lease).</param>
/// <param name="FirstDeliveredAt">When the first records read since then were delivered to every partition.</param>
/// <param name="LastDeliveredAt">When records of the shard were last delivered to every partition.</param>
/// <param name="Watermark">The shard's event-time watermark as this silo read it (latest event time minus the out-of-orderness); null before its first event.</param>
/// <param name="Idle">No event for <c>Kinesis:EventTime:IdleTimeout</c> and nothing waiting: partitions leave the shard out of their watermark.</param>
public sealed record ShardStatus(
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
    string StateName,
    bool LeaseHeld,
    double RecordsPerSecond,
    long Throttles,
    DateTimeOffset? CheckpointCurrentAt,
    long? CheckpointAgeMs,
    DateTimeOffset? ReadingSince,
    DateTimeOffset? FirstDeliveredAt,
    DateTimeOffset? LastDeliveredAt,
    DateTimeOffset? Watermark = null,
    bool Idle = false);

/// <summary>A state partition active on this silo: its size as RocksDB estimates it and when it was last made durable.</summary>
/// <param name="PartitionId">The state's name and partition number, as its snapshots are named (<c>user-activity.p-00007</c>).</param>
/// <param name="EstimatedKeys">RocksDB's estimate of its keys (a few bookkeeping keys included).</param>
/// <param name="Bytes">SST files on disk plus memtables.</param>
/// <param name="LastSnapshotAt">The last S3 snapshot of this activation; null without a bucket or before the first.</param>
/// <param name="LastPersistedAt">The last checkpoint barrier that made it durable (S3 snapshot, or the local WAL).</param>
/// <param name="Watermark">The partition's event-time watermark as it last reported it at a barrier; null before it had one.</param>
public sealed record PartitionStateStatus(
    string PartitionId,
    string State,
    int Partition,
    long EstimatedKeys,
    long Bytes,
    long LastSnapshotId,
    DateTimeOffset? LastSnapshotAt,
    long? SnapshotAgeMs,
    DateTimeOffset? LastPersistedAt,
    long? PersistedAgeMs,
    DateTimeOffset? Watermark = null);
