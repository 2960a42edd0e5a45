using KinesisGrains.Abstractions.Partitions;
using Orleans;

namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>Finds the partition grain that holds a key.</summary>
public static class KeyedStateGrainFactoryExtensions
{
    /// <summary>The partition grain of <paramref name="key"/> among <paramref name="partitionCount"/> partitions.</summary>
    public static TPartition GetPartitionOf<TPartition>(this IGrainFactory grainFactory, string key, int partitionCount)
        where TPartition : IGrainWithIntegerKey =>
        grainFactory.GetGrain<TPartition>(new PartitionMap(partitionCount).GetPartition(key));
}
