using KinesisGrains.Abstractions.Hashing;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// The key groups of a state: G = 65 536 groups, a key's group the top 16 bits of its hash (MD5, as Kinesis hashes a
/// partition key, <see cref="Abstractions.Partitions.PartitionMap"/>). Partition p of P owns the keys of one contiguous
/// slice of the hash space, so the groups from its first hash's to its last hash's; only those two groups can hold
/// keys of a neighbour too (none when P divides G, as every power of two up to G does).
/// </summary>
/// <remarks>
/// G is fixed by the store format (two bytes per key), so it is the same for every application and needs no pinning:
/// P can be anything from 1 to G at any time. Flink's key groups are chosen once per job because each one costs state
/// handles and a timer queue; here a group costs nothing but its two bytes.
/// </remarks>
internal static class KeyGroups
{
    /// <summary>G: how many key groups there are.</summary>
    public const int Count = 1 << 16;

    /// <summary>The bytes a key group takes in a store key.</summary>
    public const int GroupBytes = 2;

    /// <summary>The key group of the key whose UTF-8 is <paramref name="utf8Key"/>.</summary>
    public static ushort Of(ReadOnlySpan<byte> utf8Key) => (ushort)OfHigh((ulong)(ShortMd5.HashKey(utf8Key) >> 64));

    /// <summary>The key group of the 64-bit hash prefix <paramref name="high"/> (the part that decides the partition).</summary>
    public static int OfHigh(ulong high) => (int)(high >> 48);
}
