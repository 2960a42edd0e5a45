using Orleans;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// A shard a partition cannot vouch for: it missed events of it (restored from an older snapshot, or an activation
/// died with batches it had not made durable). The shard must be read again from <see cref="HoldsUpTo"/>.
/// </summary>
/// <param name="HoldsUpTo">Where the partition provably holds the shard up to; null: nothing (replay from the shard's origin).</param>
[GenerateSerializer, Immutable]
public readonly record struct ShardGap([property: Id(0)] string ShardId, [property: Id(1)] Position? HoldsUpTo)
{
    /// <summary>The earlier replay start of two gaps of one shard (null, the origin, first).</summary>
    public static Position? EarlierStart(Position? left, Position? right) =>
        left is not { } l || right is not { } r ? null : l <= r ? l : r;
}
