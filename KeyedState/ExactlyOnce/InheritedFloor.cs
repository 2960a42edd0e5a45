using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.ExactlyOnce;

/// <summary>
/// What a rescaled partition inherited of one shard for one range of keys: the partition the range came from had
/// applied every event of the shard for those keys up to <see cref="Floor"/>. Partitions merged by a rescale may have
/// held a shard to different points, so one mark for the merged partition would either skip events of one range or
/// apply events of another twice; until the merged partition's coverage passes every floor, each range keeps its own.
/// </summary>
/// <param name="First">The range's first key hash (the top 64 bits of the key's MD5, as partitions are cut).</param>
/// <param name="Last">The range's last key hash, inclusive.</param>
/// <param name="Floor">Events of the range's keys at or below this position are in the inherited state.</param>
internal readonly record struct InheritedFloor(ulong First, ulong Last, Position Floor)
{
    public bool Contains(ulong keyHash) => keyHash >= First && keyHash <= Last;

    public override string ToString() => $"{First:x16}-{Last:x16}@{Floor}";
}
