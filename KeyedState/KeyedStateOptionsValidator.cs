using KinesisGrains.Abstractions.Partitions;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.KeyedState;

/// <summary>
/// The rules of <see cref="KeyedStateOptions"/>, checked when the silo starts (AddKeyedState registers it), so a
/// mistake stops the silo with every problem named instead of failing at a partition's first activation.
/// </summary>
internal sealed class KeyedStateOptionsValidator(KeyedStateOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid keyed-state options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option.</summary>
    public static IEnumerable<string> Problems(KeyedStateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.PartitionCount is < 1 or > PartitionMap.MaxPartitions)
        {
            yield return $"{nameof(options.PartitionCount)} must be between 1 and {PartitionMap.MaxPartitions}; it is {options.PartitionCount}.";
        }

        if (options.MaxActivationsPerPartition < 1)
        {
            yield return $"{nameof(options.MaxActivationsPerPartition)} must be at least 1; it is {options.MaxActivationsPerPartition}.";
        }

        if (options.MaxDirtyKeysPerPartition < 1)
        {
            yield return $"{nameof(options.MaxDirtyKeysPerPartition)} must be at least 1; it is {options.MaxDirtyKeysPerPartition}.";
        }

        if (options.MaxUnwrittenEventsPerPartition < 1)
        {
            yield return $"{nameof(options.MaxUnwrittenEventsPerPartition)} must be at least 1; it is {options.MaxUnwrittenEventsPerPartition}.";
        }

        if (options.MaxTimersPerTurn < 1)
        {
            yield return $"{nameof(options.MaxTimersPerTurn)} must be at least 1; it is {options.MaxTimersPerTurn}.";
        }

        if (options.TimerCheckInterval < TimeSpan.FromMilliseconds(10) || options.TimerCheckInterval > TimeSpan.FromMinutes(10))
        {
            yield return $"{nameof(options.TimerCheckInterval)} must be between 10 ms and 10 minutes; it is {options.TimerCheckInterval}.";
        }
    }
}
