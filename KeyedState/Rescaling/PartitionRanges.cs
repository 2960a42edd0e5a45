namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>
/// The key hashes each of P partitions owns: partition p holds the keys whose hash's top 64 bits h have
/// floor(h × P / 2^64) = p (<see cref="Abstractions.Partitions.PartitionMap"/>), the contiguous range from
/// ceil(p × 2^64 / P) to the next partition's first hash minus one.
/// </summary>
internal static class PartitionRanges
{
    public static ulong FirstHash(int partition, int partitionCount) =>
        partition == 0 ? 0 : (ulong)((((UInt128)(ulong)partition << 64) + (ulong)(partitionCount - 1)) / (ulong)partitionCount);

    public static ulong LastHash(int partition, int partitionCount) =>
        partition == partitionCount - 1 ? ulong.MaxValue : FirstHash(partition + 1, partitionCount) - 1;

    /// <summary>The key groups partition <paramref name="partition"/>'s keys are in: those of its first and last hashes and all between.</summary>
    public static (int First, int Last) Groups(int partition, int partitionCount) =>
        (Storage.KeyGroups.OfHigh(FirstHash(partition, partitionCount)), Storage.KeyGroups.OfHigh(LastHash(partition, partitionCount)));

    /// <summary>The part of old partition <paramref name="source"/>'s range that new partition <paramref name="target"/> owns; null when none.</summary>
    public static (ulong First, ulong Last)? Overlap(int source, int sourceCount, int target, int targetCount)
    {
        var first = Math.Max(FirstHash(source, sourceCount), FirstHash(target, targetCount));
        var last = Math.Min(LastHash(source, sourceCount), LastHash(target, targetCount));
        return first <= last ? (first, last) : null;
    }
}
