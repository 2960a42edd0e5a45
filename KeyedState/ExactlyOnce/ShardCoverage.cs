using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.ExactlyOnce;

/// <summary>
/// What a partition knows of one shard: the position of the last event it applied (its high-water mark: anything at
/// or below it is a redelivery) and the position up to which it provably holds every event of the shard for its keys.
/// </summary>
/// <param name="Mark">The last applied event's position; null before the first.</param>
/// <param name="Covered">Every event of the shard up to here is in the partition's state; null: no proof of anything.</param>
internal readonly record struct ShardCoverage(Position? Mark, Position? Covered)
{
    /// <summary>True when the partition provably holds every event of the shard up to <paramref name="position"/>.</summary>
    /// <param name="position">A position, or null for the shard's origin (the reader's first start: nothing before it is owed).</param>
    public bool Holds(Position? position) => position is not { } p || Covered is { } covered && covered >= p;

    /// <summary>The later of two positions, null counting as the earliest.</summary>
    public static Position? Max(Position? left, Position? right) =>
        left is not { } l ? right : right is not { } r ? l : l >= r ? l : r;
}
