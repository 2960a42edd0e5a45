using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// A shard's delivered position (every read up to <paramref name="Reached"/> delivered to every partition; the
/// whole shard when <paramref name="Ended"/>) and, for each partition, the end of the last batch it was sent up to
/// there (the reader's start when none; null when that start is the shard's origin).
/// </summary>
/// <param name="Watermark">The shard's watermark at <paramref name="Reached"/>; null before its first record.</param>
/// <param name="Idle">The shard has had no record for the idle timeout.</param>
public sealed record ShardDelivery(
    string ShardId, Position? Reached, bool Ended, Position?[] LastSentByPartition, DateTimeOffset? Watermark = null, bool Idle = false)
{
    /// <summary>The barrier this delivery means for one partition.</summary>
    public ShardBarrier BarrierFor(int partition) =>
        new(ShardId, Reached, Ended, partition < LastSentByPartition.Length ? LastSentByPartition[partition] : null, Watermark, Idle);
}
