using KinesisGrains.KeyedState.RocksDb;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// The rules of <see cref="PartitionStoreOptions"/>, checked when the silo starts (AddKeyedState registers it), so a
/// mistake stops the silo with every problem named instead of failing when the first partition opens its DB.
/// </summary>
internal sealed class PartitionStoreOptionsValidator(PartitionStoreOptions options) : IConfigurationValidator
{
    private const long MiB = 1024 * 1024;

    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid partition store options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option.</summary>
    public static IEnumerable<string> Problems(PartitionStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.BlockCacheBytes < MiB)
        {
            yield return $"{nameof(options.BlockCacheBytes)} must be at least 1 MiB; it is {options.BlockCacheBytes}.";
        }

        // The rest become each partition's RocksDbOptions: RocksDB's own rules, in one sentence.
        if (RocksDbOptionsValidator.Problems(options.ToRocksDbOptions(disableWal: true)).ToList() is { Count: > 0 } problems)
        {
            yield return RocksDbOptionsValidator.Describe(problems);
        }
    }
}
