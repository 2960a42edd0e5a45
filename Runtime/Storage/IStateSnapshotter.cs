using KinesisGrains.Runtime.ExactlyOnce;
using Position = KinesisGrains.Runtime.Streams.StreamSequenceToken;

namespace KinesisGrains.Runtime.Storage;

/// <summary>
/// The checkpoint barrier as the stream source sees it (the one gate between the source and keyed state): makes
/// the state applied so far durable and says which shards it cannot vouch for. The source moves a shard's
/// checkpoint only past reads delivered before a completed barrier that found no gap in that shard.
/// </summary>
public interface IStateSnapshotter
{
    /// <param name="deliveries">Each source shard's delivered position and, per partition, the end of the last batch it was sent.</param>
    /// <returns>The gaps: shards some partition cannot vouch for, with where it holds them up to (replay from there).</returns>
    Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken);
}

/// <summary>
/// A shard's delivered position (every read up to <paramref name="Reached"/> delivered to every partition; the
/// whole shard when <paramref name="Ended"/>) and, for each partition, the end of the last batch it was sent up to
/// there (the reader's start when none; null when that start is the shard's origin).
/// </summary>
public sealed record ShardDelivery(string ShardId, Position? Reached, bool Ended, Position?[] LastSentByPartition)
{
    /// <summary>The barrier this delivery means for one partition.</summary>
    public ShardBarrier BarrierFor(int partition) =>
        new(ShardId, Reached, Ended, partition < LastSentByPartition.Length ? LastSentByPartition[partition] : null);
}
