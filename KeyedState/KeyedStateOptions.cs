using KinesisGrains.Abstractions.Partitions;

namespace KinesisGrains.KeyedState;

/// <summary>How the keyed state is split into partitions and how much of it stays in memory (section <c>Grains</c>).</summary>
public sealed class KeyedStateOptions
{
    /// <summary>
    /// The number of state partitions P. Fixed for the life of an application: a key's partition is part of where
    /// its state is stored.
    /// </summary>
    public int PartitionCount { get; set; } = 16;

    /// <summary>Keys whose state a partition keeps deserialized in memory; the rest stays in RocksDB.</summary>
    public int MaxActivationsPerPartition { get; set; } = 100_000;

    /// <summary>
    /// Changed keys a partition keeps in memory before it writes them (with the high-water marks they reach) in one
    /// RocksDB batch; they are always written before a checkpoint barrier's snapshot.
    /// </summary>
    public int MaxDirtyKeysPerPartition { get; set; } = 20_000;

    /// <summary>Events applied since the last write after which a partition writes, whatever the number of keys.</summary>
    public int MaxUnwrittenEventsPerPartition { get; set; } = 100_000;

    public IEnumerable<string> Validate()
    {
        if (PartitionCount is < 1 or > PartitionMap.MaxPartitions)
        {
            yield return $"PartitionCount must be between 1 and {PartitionMap.MaxPartitions}; it is {PartitionCount}.";
        }

        if (MaxActivationsPerPartition < 1)
        {
            yield return $"MaxActivationsPerPartition must be at least 1; it is {MaxActivationsPerPartition}.";
        }

        if (MaxDirtyKeysPerPartition < 1)
        {
            yield return $"MaxDirtyKeysPerPartition must be at least 1; it is {MaxDirtyKeysPerPartition}.";
        }

        if (MaxUnwrittenEventsPerPartition < 1)
        {
            yield return $"MaxUnwrittenEventsPerPartition must be at least 1; it is {MaxUnwrittenEventsPerPartition}.";
        }
    }
}
