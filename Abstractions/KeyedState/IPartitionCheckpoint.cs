using KinesisGrains.Abstractions.ExactlyOnce;
using Orleans;

namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>
/// The checkpoint barrier of a keyed-state partition grain: the source calls it on every partition before it moves
/// shard checkpoints, in two rounds: <see cref="PersistAsync"/> (in the grain's turn: write, vouch, take a local
/// checkpoint) and <see cref="AwaitDurableAsync"/> (the upload, outside the turn). Orleans runs the call after every delivery that completed before it was sent, so once it
/// returns, the partition holds durably every event of each shard up to the given position.
/// </summary>
public interface IPartitionCheckpoint : IGrainWithIntegerKey
{
    /// <summary>
    /// Makes everything applied so far durable (an S3 snapshot, or the local store with its WAL synced) and records
    /// that the partition holds each shard up to its barrier, when it can prove it (the partition ledger's <c>Vouch</c>).
    /// </summary>
    /// <returns>The shards the partition cannot vouch for, and what it did since its previous barrier.</returns>
    Task<PartitionPersistResult> PersistAsync(ShardBarrier[] barriers);

    /// <summary>
    /// Where the partition holds the shard up to (every event of it up to there is in its state); null when it holds
    /// nothing of it. For tools and tests that feed a partition themselves: a barrier may claim only what it holds.
    /// </summary>
    [Orleans.Concurrency.ReadOnly]
    Task<Streams.ShardPosition?> GetCoveredAsync(string shardId);

    /// <summary>
    /// Waits until the barrier of <paramref name="epoch"/> is durable (its snapshot uploaded), then until the sinks
    /// committed the rows it staged. Interleaves with deliveries and queries: the upload and the commits run outside
    /// the grain's turn, so neither waits for S3.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<PartitionDurableResult> AwaitDurableAsync(long epoch);

    /// <summary>
    /// Deactivates the partition once the call returns; its deactivation makes what it holds durable (a final
    /// snapshot), and its next activation restores from its snapshot pointer. For a paused application whose state a
    /// tool changes (a live reset).
    /// </summary>
    Task HandOverAsync();
}
