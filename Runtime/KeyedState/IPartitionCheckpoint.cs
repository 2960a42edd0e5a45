using Orleans;

namespace KinesisGrains.Runtime.KeyedState;

/// <summary>
/// The checkpoint barrier of a keyed-state partition grain: the source calls it on every partition before it moves
/// shard checkpoints. Orleans runs the call after every delivery that completed before it was sent, so once it
/// returns, the partition holds durably every event of each shard up to the given position.
/// </summary>
public interface IPartitionCheckpoint : IGrainWithIntegerKey
{
    /// <summary>
    /// Makes everything applied so far durable (an S3 snapshot, or the local store) and records that the partition
    /// has seen each shard up to its barrier, when it holds the last batch the shard's receiver sent it.
    /// </summary>
    /// <returns>The shards the partition cannot vouch for, and what it did since its previous barrier.</returns>
    Task<PartitionPersistResult> PersistAsync(ShardBarrier[] barriers);
}
