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

    /// <summary>
    /// The state of <paramref name="key"/> in a spread view (<c>KeyedViewRouting.Spread</c>): each partition holds the
    /// part made of its own primary keys' events; the parts are read at once and folded with <paramref name="merge"/>,
    /// which must be associative and commutative (a sum, a max, a union). Null when no partition has the key.
    /// </summary>
    public static async Task<TState?> GetMergedAsync<TPartition, TState>(
        this IGrainFactory grainFactory, string key, int partitionCount, Func<TState, TState, TState> merge)
        where TPartition : IKeyedStatePartition<TState>
    {
        ArgumentNullException.ThrowIfNull(merge);
        var reads = new Task<TState?>[partitionCount];
        for (var partition = 0; partition < partitionCount; partition++)
        {
            reads[partition] = grainFactory.GetGrain<TPartition>(partition).GetAsync(key);
        }

        var merged = default(TState);
        var any = false;
        foreach (var part in await Task.WhenAll(reads))
        {
            if (part is not null)
            {
                merged = any ? merge(merged!, part) : part;
                any = true;
            }
        }

        return merged;
    }
}
