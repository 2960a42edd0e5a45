using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Monitoring;
using Orleans;

namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>A partition's answer to a checkpoint barrier.</summary>
/// <param name="Gaps">The shards the partition cannot vouch for (it missed events of them): do not move their checkpoints; replay them from where it holds them.</param>
/// <param name="Progress">What the partition did since its previous barrier, for the progress record.</param>
/// <param name="Epoch">The partition's epoch once this barrier is durable.</param>
[GenerateSerializer, Immutable]
public sealed record PartitionPersistResult(
    [property: Id(0)] ShardGap[] Gaps, [property: Id(1)] PartitionProgress Progress, [property: Id(2)] long Epoch = 0);
