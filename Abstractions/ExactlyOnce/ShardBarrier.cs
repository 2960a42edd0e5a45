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
[GenerateSerializer, Immutable]
public readonly record struct ShardBarrier(
    [property: Id(0)] string ShardId,
    [property: Id(1)] Position? Reached,
    [property: Id(2)] bool Ended,
    [property: Id(3)] Position? LastSent);
