namespace KinesisGrains.Runtime.Partitions;

/// <summary>How the silo splits grain state and bounds its activations.</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>
    /// The number of state partitions P. Fixed for the life of an application: a key's partition is part of where
    /// its state is stored.
    /// </summary>
    public int PartitionCount { get; set; } = 16;

    /// <summary>Activations kept in memory per partition; beyond it, clean activations are dropped (state stays in the store).</summary>
    public int MaxActivationsPerPartition { get; set; } = 100_000;

    /// <summary>
    /// Changed grains a partition keeps in memory before it writes them (they are written at every flush anyway:
    /// before each snapshot and checkpoint).
    /// </summary>
    public int MaxDirtyGrainsPerPartition { get; set; } = 20_000;

    public IEnumerable<string> Validate()
    {
        if (MaxDirtyGrainsPerPartition < 1)
        {
            yield return $"MaxDirtyGrainsPerPartition must be at least 1; it is {MaxDirtyGrainsPerPartition}.";
        }

        if (PartitionCount is < 1 or > PartitionMap.MaxPartitions)
        {
            yield return $"PartitionCount must be between 1 and {PartitionMap.MaxPartitions}; it is {PartitionCount}.";
        }

        if (MaxActivationsPerPartition < 1)
        {
            yield return $"MaxActivationsPerPartition must be at least 1; it is {MaxActivationsPerPartition}.";
        }
    }
}
