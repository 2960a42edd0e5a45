using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Abstractions.Placement;

/// <summary>
/// Places keyed-state partition p on the silo that reads the shard holding the middle of p's hash slice, so the
/// records of p are delivered without leaving that silo (partitions and shards both slice the MD5 space). Where no
/// silo reads that shard yet, Orleans' default placement decides.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class ShardAffinityPlacement : PlacementStrategy
{
    public static ShardAffinityPlacement Singleton { get; } = new();
}
