using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// A shard's delivered position (every read up to <paramref name="Reached"/> delivered to every partition; the
/// whole shard when <paramref name="Ended"/>) and, for each lane (a partition stream of one view,
/// <c>Views.StreamLanes</c>; a partition without keyed views), the end of the last batch it was sent up to there (the
/// reader's start when none; null when that start is the shard's origin).
/// </summary>
/// <param name="Watermark">The shard's watermark at <paramref name="Reached"/>; null before its first record.</param>
/// <param name="Idle">The shard has had no record for the idle timeout.</param>
/// <param name="OpenElsewhere">The shard is open but not read by this round: it claims nothing (<see cref="ShardBarrier.OpenElsewhere"/>).</param>
internal sealed record ShardDelivery(
    string ShardId, Position? Reached, bool Ended, Position?[] LastSentByLane, DateTimeOffset? Watermark = null, bool Idle = false, bool OpenElsewhere = false)
{
    /// <summary>An open shard this round does not read, named so partitions that do not know it count it.</summary>
    /// <param name="startsAt">Where it starts for a partition without a watermark for it (a child: its parent's last watermark).</param>
    public static ShardDelivery Named(string shardId, DateTimeOffset? startsAt = null) => new(shardId, null, false, [], startsAt, OpenElsewhere: true);

    /// <summary>The barrier this delivery means for the partition grain of one lane (its view's partition stream).</summary>
    public ShardBarrier BarrierFor(int lane) =>
        new(ShardId, Reached, Ended, lane < LastSentByLane.Length ? LastSentByLane[lane] : null, Watermark, Idle, OpenElsewhere);
}
