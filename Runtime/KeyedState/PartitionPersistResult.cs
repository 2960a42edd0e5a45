using KinesisGrains.Runtime.Monitoring;
using Orleans;

namespace KinesisGrains.Runtime.KeyedState;

/// <summary>A partition's answer to a checkpoint barrier.</summary>
/// <param name="Uncovered">The shards the partition cannot vouch for (it missed events of them after a restore): do not move their checkpoints.</param>
/// <param name="Progress">What the partition did since its previous barrier, for the progress record.</param>
[GenerateSerializer, Immutable]
public sealed record PartitionPersistResult([property: Id(0)] string[] Uncovered, [property: Id(1)] PartitionProgress Progress);
