using KinesisGrains.Runtime.Partitions;

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

    /// <summary>Where the partitions' RocksDB folders live (one per state and partition).</summary>
    public string StateDirectory { get; set; } = Path.Combine("data", "state");

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

        if (string.IsNullOrWhiteSpace(StateDirectory))
        {
            yield return "StateDirectory is required.";
        }
    }
}
