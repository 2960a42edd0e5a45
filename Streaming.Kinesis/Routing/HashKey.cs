using System.Globalization;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Abstractions.Hashing;

namespace KinesisGrains.Streaming.Kinesis.Routing;

/// <summary>
/// Kinesis routes a record by its 128-bit hash key: MD5 of the UTF-8 partition key read as an unsigned big-endian
/// integer (unless an ExplicitHashKey is given), landing in the open shard whose hash key range contains it.
/// </summary>
internal static class HashKey
{
    public static UInt128 FromPartitionKey(string partitionKey) => KeyHash.Of(partitionKey);

    /// <summary>Parses a decimal hash key as Kinesis writes them (up to 2^128-1).</summary>
    /// <exception cref="FormatException">Not a plain decimal number in range.</exception>
    public static UInt128 Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return UInt128.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var hashKey)
            ? hashKey
            : throw new FormatException($"'{value}' is not a hash key: expected a decimal number from 0 to {UInt128.MaxValue}.");
    }

    public static string Format(UInt128 hashKey) => hashKey.ToString(CultureInfo.InvariantCulture);

    /// <summary>The open shard whose range contains <paramref name="hashKey"/>, or <c>null</c> if none does.</summary>
    /// <remarks>Closed shards are skipped: after a split or merge their ranges overlap their children's.</remarks>
    public static Shard? FindShard(IReadOnlyList<Shard> shards, UInt128 hashKey)
    {
        ArgumentNullException.ThrowIfNull(shards);
        for (var i = 0; i < shards.Count; i++)
        {
            var shard = shards[i];
            if (shard.IsOpen && shard.HashKeyRange.Contains(hashKey))
            {
                return shard;
            }
        }

        return null;
    }

    /// <summary>The open shard a record with this partition key goes to.</summary>
    public static Shard? FindShard(IReadOnlyList<Shard> shards, string partitionKey) => FindShard(shards, FromPartitionKey(partitionKey));
}
