using KinesisGrains.Abstractions.Hashing;

namespace KinesisGrains.Abstractions.Partitions;

/// <summary>
/// Maps a grain key to one of P partitions: partition p holds the keys whose MD5, read as a 128-bit big-endian
/// number, falls in the p-th contiguous slice of the hash space. With the record's partition key as grain key this
/// is the hash Kinesis uses to choose the shard, so partitions line up with shards' hash ranges.
/// </summary>
public sealed class PartitionMap
{
    /// <summary>The most partitions an application may have.</summary>
    public const int MaxPartitions = 65_536;

    /// <summary>Maps keys onto <paramref name="partitionCount"/> partitions (1 to <see cref="MaxPartitions"/>).</summary>
    public PartitionMap(int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitionCount, MaxPartitions);
        PartitionCount = partitionCount;
    }

    /// <summary>P: how many partitions the keys spread over.</summary>
    public int PartitionCount { get; }

    /// <summary>The partition that holds <paramref name="grainKey"/>, the same on every silo and client.</summary>
    public int GetPartition(string grainKey) => GetPartition(HashOf(grainKey));

    /// <summary>The partition of a key whose 128-bit hash (MD5, as Kinesis hashes partition keys) is <paramref name="hash"/>.</summary>
    public int GetPartition(UInt128 hash)
    {
        // The top 64 bits decide: floor(hi64 * P / 2^64) is the contiguous slice, and cannot reach P.
        var high = (ulong)(hash >> 64);
        return (int)Math.BigMul(high, (ulong)PartitionCount, out _);
    }

    /// <summary>The hash in the middle of partition <paramref name="partition"/>'s slice (where the shard that feeds it most is).</summary>
    public UInt128 MiddleOf(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        var high = ((UInt128)(ulong)(2 * partition + 1) << 64) / (UInt128)(ulong)(2 * PartitionCount);
        return high << 64;
    }

    /// <summary>MD5 of the UTF-8 key as an unsigned big-endian 128-bit number (the Kinesis hash key rule).</summary>
    public static UInt128 HashOf(string key) => KeyHash.Of(key);
}
