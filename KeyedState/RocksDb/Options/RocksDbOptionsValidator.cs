using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>
/// The rules of <see cref="RocksDbOptions"/>. <see cref="RocksDatabase.Open"/> checks them, so a DB opened outside a
/// silo is refused the same way; a silo checks the partitions' options at start (PartitionStoreOptionsValidator).
/// </summary>
internal sealed class RocksDbOptionsValidator(RocksDbOptions options) : IConfigurationValidator
{
    private const long KiB = 1024;
    private const long GiB = 1024 * 1024 * KiB;

    /// <exception cref="OrleansConfigurationException">Lists every invalid setting.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException(Describe(problems));
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the setting.</summary>
    public static IEnumerable<string> Problems(RocksDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.BlockCacheBytes <= 0)
        {
            yield return $"{nameof(options.BlockCacheBytes)} must be positive (was {options.BlockCacheBytes}).";
        }

        if (options.BlockSizeBytes <= 0)
        {
            yield return $"{nameof(options.BlockSizeBytes)} must be positive (was {options.BlockSizeBytes}).";
        }

        // RocksDB silently clamps write_buffer_size to [64 KiB, 64 GiB]; reject instead of surprising the caller.
        if (options.TargetFileBytes is < 64 * KiB or > 64 * GiB)
        {
            yield return $"{nameof(options.TargetFileBytes)} must be between 64 KiB and 64 GiB (was {options.TargetFileBytes}).";
        }

        if (options.WriteBufferBytes is < 64 * KiB or > 64 * GiB)
        {
            yield return $"{nameof(options.WriteBufferBytes)} must be between 64 KiB and 64 GiB (was {options.WriteBufferBytes}).";
        }

        // RocksDB silently raises 1 to 2: one memtable takes writes while another is flushed.
        if (options.MaxWriteBufferNumber < 2)
        {
            yield return $"{nameof(options.MaxWriteBufferNumber)} must be at least 2 (was {options.MaxWriteBufferNumber}).";
        }

        // RocksDB caps bits per key at 100; useful values are 5 to 20.
        if (options.BloomBitsPerKey is < 0 or > 100)
        {
            yield return $"{nameof(options.BloomBitsPerKey)} must be between 0 (no filter) and 100 (was {options.BloomBitsPerKey}).";
        }

        if (!Enum.IsDefined(options.Compression))
        {
            yield return $"{nameof(options.Compression)} has an unknown value ({(int)options.Compression}).";
        }

        if (options.MaxBackgroundJobs < 1)
        {
            yield return $"{nameof(options.MaxBackgroundJobs)} must be at least 1 (was {options.MaxBackgroundJobs}).";
        }

        if (!Enum.IsDefined(options.MergeOperator))
        {
            yield return $"{nameof(options.MergeOperator)} has an unknown value ({(int)options.MergeOperator}).";
        }

        // RocksDB fails every such write with "Sync writes has to enable WAL".
        if (options.DisableWal && options.SyncWrites)
        {
            yield return $"{nameof(options.SyncWrites)} needs the write-ahead log, but {nameof(options.DisableWal)} is set.";
        }
    }

    /// <summary>The problems in one sentence, as <see cref="ValidateConfiguration"/> throws it.</summary>
    internal static string Describe(IEnumerable<string> problems) => "Invalid RocksDB options: " + string.Join(" ", problems);
}
