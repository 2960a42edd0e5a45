using System.Globalization;
using KinesisGrains.Abstractions.Hashing;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// How a merge table's files are owned. Every live file belongs to one (state partition, bucket), recorded in its
/// <c>add.tags</c> (<see cref="PartitionTag"/>, <see cref="BucketTag"/>; the protocol lets writers tag files and readers
/// ignore tags). A key's bucket is <see cref="BucketOf"/>; the bucket count is fixed for the table's life, in its
/// <c>metaData.configuration</c> under <see cref="BucketsConfiguration"/>.
/// </summary>
internal static class DeltaMergeLayout
{
    public const string PartitionTag = "kgrains.partition";

    public const string BucketTag = "kgrains.bucket";

    /// <summary>The <c>metaData.configuration</c> key of a merge table's bucket count; an append table has none.</summary>
    public const string BucketsConfiguration = "kgrains.mergeBuckets";

    /// <summary>
    /// The bucket of <paramref name="key"/>: the low 64 bits of MD5(UTF-8 key), read big-endian, modulo
    /// <paramref name="buckets"/> (in Spark SQL: <c>pmod(conv(substr(md5(key), 17, 16), 16, 10), buckets)</c> as an
    /// unsigned number). Partitions use the high 64 bits of the same hash (<c>PartitionMap</c>), so the buckets of one
    /// partition's keys are as even as over all keys.
    /// </summary>
    public static int BucketOf(string key, int buckets)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        return (int)((ulong)KeyHash.Of(key) % (ulong)buckets);
    }

    public static Dictionary<string, string> Tags(int partition, int bucket) => new(StringComparer.Ordinal)
    {
        [PartitionTag] = partition.ToString(CultureInfo.InvariantCulture),
        [BucketTag] = bucket.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The (partition, bucket) a file's tags give it; false for a file without them (not written by a merge).</summary>
    public static bool TryGetOwner(IReadOnlyDictionary<string, string>? tags, out int partition, out int bucket)
    {
        partition = bucket = -1;
        return tags is not null
            && tags.TryGetValue(PartitionTag, out var p) && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out partition)
            && tags.TryGetValue(BucketTag, out var b) && int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out bucket);
    }

    /// <summary>The bucket count a table's configuration gives it; null for a table that is no merge table.</summary>
    public static int? BucketsOf(DeltaMetadata metadata) =>
        metadata.Configuration.TryGetValue(BucketsConfiguration, out var text)
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var buckets) && buckets >= 1 ? buckets : 0
            : null;
}
