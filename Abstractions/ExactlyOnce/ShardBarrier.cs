using Orleans;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// What a checkpoint barrier tells one partition about one shard: every read up to <see cref="Reached"/> was
/// delivered to every partition, and the last batch this partition was sent among them ended at
/// <see cref="LastSent"/> (the reader's start when none; null when that start is the shard's origin).
/// </summary>
/// <param name="Reached">The last delivered read's position; null when nothing was read yet.</param>
/// <param name="Ended">The shard was read to its end (its checkpoint becomes SHARD_END).</param>
/// <param name="Watermark">
/// The shard's watermark at <see cref="Reached"/> (null before its first record). For a shard named
/// <see cref="OpenElsewhere"/>: where it starts in a partition that has no watermark for it yet (a child named at its
/// parent's SHARD_END: the parent's last watermark); null when the round does not know.
/// </param>
/// <param name="Idle">The shard has had no record for the idle timeout: left out of partitions' watermarks.</param>
/// <param name="OpenElsewhere">
/// The shard is open (in the lease table, not ended) but this round does not read it: the barrier claims nothing of
/// it. A partition that does not know the shard (it restored a snapshot from before it heard of it) counts it from now
/// on, so its watermark waits for the shard instead of moving on the others alone.
/// </param>
[GenerateSerializer, Immutable]
public readonly record struct ShardBarrier(
    [property: Id(0)] string ShardId,
    [property: Id(1)] Position? Reached,
    [property: Id(2)] bool Ended,
    [property: Id(3)] Position? LastSent,
    [property: Id(4)] DateTimeOffset? Watermark = null,
    [property: Id(5)] bool Idle = false,
    [property: Id(6)] bool OpenElsewhere = false);
