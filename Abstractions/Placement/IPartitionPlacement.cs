using Orleans.Runtime;

namespace KinesisGrains.Abstractions.Placement;

/// <summary>Where keyed-state partitions belong: next to the reader of the shard that feeds them.</summary>
internal interface IPartitionPlacement
{
    /// <summary>The live silo reading the shard that holds the middle of <paramref name="partition"/>'s hash slice; null when unknown.</summary>
    PartitionHome? HomeOf(int partition);
}

/// <param name="Silo">The silo reading the shard.</param>
/// <param name="Stable">
/// The shard has had that reader for a while: a partition elsewhere may move there. False during a failover or
/// rebalancing, so partitions do not follow every step of it.
/// </param>
internal sealed record PartitionHome(SiloAddress Silo, bool Stable);
