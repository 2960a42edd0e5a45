using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Silo.Health;
using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Streaming.Kinesis;

namespace KinesisGrains.Silo.Endpoints;

/// <summary>Takes the status endpoint's figures from the stream provider, the partition stores and the dead-letter queue.</summary>
internal sealed class SiloStatus(
    string siloId,
    SiloConfiguration configuration,
    Func<KinesisStreamContext> source,
    Func<PartitionStateStores> stores,
    LocalDeadLetterQueue deadLetters,
    StreamReadiness readiness,
    TimeProvider time)
{
    private const string TotalKey = "";
    private readonly RateMeter _rates = new(time, TimeSpan.FromSeconds(5));

    public SiloStatusSnapshot Snapshot()
    {
        var context = source();
        var now = time.GetUtcNow();
        var progress = context.Progress;
        var held = context.HeldShards.ToHashSet(StringComparer.Ordinal);
        var shards = progress.Select(p => ShardOf(context, p, held.Contains(p.ShardId), now)).ToList();
        var watermarks = context.Monitor.PartitionWatermarks;
        var recordsRead = progress.Sum(s => s.RecordsRead);
        var ready = readiness.Check();
        return new SiloStatusSnapshot(
            siloId,
            configuration.Silo.ApplicationName,
            configuration.Source.StreamName,
            context.IsCaughtUp,
            recordsRead,
            progress.Sum(s => s.EventsApplied),
            progress.Sum(s => s.DeadLettered),
            configuration.Grains.PartitionCount,
            context.Checkpointer.Cycles,
            context.Checkpointer.LastCheckpointAt,
            context.Buffer.MemoryBytes,
            context.Buffer.SpilledBytes,
            shards,
            now,
            _rates.Rate(TotalKey, recordsRead),
            deadLetters.Count,
            shards.Sum(s => s.Throttles),
            shards.Max(s => s.CheckpointAgeMs),
            ready.Ready,
            ready.Reason,
            stores().OpenStores.Select(s => PartitionOf(s, now, watermarks)).OfType<PartitionStateStatus>().ToList(),
            context.Monitor.Last?.Sinks,
            context.PausedSince);
    }

    private ShardStatus ShardOf(KinesisStreamContext context, ShardProgressSnapshot shard, bool leaseHeld, DateTimeOffset now)
    {
        var checkpointCurrentAt = context.Checkpointer.GetCheckpointCurrentAt(shard.ShardId);
        return new ShardStatus(
            shard.ShardId,
            shard.State,
            shard.RecordsRead,
            shard.EventsApplied,
            shard.DeadLettered,
            shard.LastSequenceNumber,
            shard.Checkpoint,
            shard.MillisBehindLatest,
            shard.CaughtUp,
            shard.LastError,
            shard.State.ToString(),
            leaseHeld,
            _rates.Rate(shard.ShardId, shard.RecordsRead),
            context.ProgressOf(shard.ShardId).Throttles,
            checkpointCurrentAt,
            leaseHeld && checkpointCurrentAt is { } at ? AgeMs(at, now) : null,
            shard.ReadingSince,
            shard.FirstDeliveredAt,
            shard.LastDeliveredAt,
            shard.Watermark,
            shard.Idle);
    }

    private static PartitionStateStatus? PartitionOf(
        PartitionStore store, DateTimeOffset now, IReadOnlyDictionary<(string State, int Partition), DateTimeOffset> watermarks)
    {
        if (store.Size() is not { } size)
        {
            return null;
        }

        // "user-activity.p-00007": the state's name, then the partition number.
        var id = store.PartitionId;
        var dot = id.LastIndexOf(".p-", StringComparison.Ordinal);
        var partition = dot >= 0 && int.TryParse(id.AsSpan(dot + 3), out var p) ? p : -1;
        var state = dot >= 0 ? id[..dot] : id;
        return new PartitionStateStatus(
            id,
            state,
            partition,
            size.EstimatedKeys,
            size.Bytes,
            store.LastSnapshotId,
            store.LastSnapshotAt,
            store.LastSnapshotAt is { } snapshotAt ? AgeMs(snapshotAt, now) : null,
            store.LastPersistedAt,
            store.LastPersistedAt is { } persistedAt ? AgeMs(persistedAt, now) : null,
            watermarks.TryGetValue((state, partition), out var watermark) ? watermark : null);
    }

    private static long AgeMs(DateTimeOffset at, DateTimeOffset now) => Math.Max(0, (long)(now - at).TotalMilliseconds);
}
