using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

/// <summary>Deterministic pages for the buffer tests: the same (shard, index, seed) always gives the same page, so a consumer can rebuild what it expects.</summary>
internal static class Pages
{
    private static readonly string[] s_keys = ["plain", "ключ-ü-🔑", "", new string('k', 256), "emoji-🚀🚀"];
    private static readonly string?[] s_encryption = [null, "NONE", "KMS", "custom-type"];
    private static readonly TimeSpan[] s_offsets = [TimeSpan.Zero, TimeSpan.FromHours(5.5), TimeSpan.FromHours(-8), TimeSpan.FromMinutes(-45)];
    private static readonly DateTimeOffset s_epoch = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A page with 0..<paramref name="maxRecords"/> records of 0..<paramref name="maxData"/> bytes each, every field varied.</summary>
    public static FetchedPage Create(string shardId, int index, int maxRecords = 8, int maxData = 2048, int seed = 0)
    {
        var random = new Random(HashCode.Combine(shardId.GetHashCode(StringComparison.Ordinal), index, seed));
        var records = new KinesisRecord[random.Next(0, maxRecords + 1)];
        for (var i = 0; i < records.Length; i++)
        {
            var data = new byte[random.Next(0, maxData + 1)];
            random.NextBytes(data);
            var arrival = new DateTimeOffset(s_epoch.UtcTicks + (index * 1_000_000L) + random.Next(), TimeSpan.Zero)
                .ToOffset(s_offsets[random.Next(s_offsets.Length)]);
            records[i] = new KinesisRecord(
                $"4959{index:D12}{i:D6}{random.NextInt64(1_000_000_000_000):D12}",
                arrival,
                data,
                s_keys[random.Next(s_keys.Length)] + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                s_encryption[random.Next(s_encryption.Length)]);
        }

        IReadOnlyList<ChildShard> children = random.Next(4) == 0
            ?
            [
                new ChildShard($"shardId-{index:D12}", [shardId], new HashKeyRange(UInt128.Zero, UInt128.MaxValue / 2)),
                new ChildShard($"shardId-{index + 1:D12}", [shardId, "shardId-other"], new HashKeyRange(UInt128.MaxValue / 2 + 1, UInt128.MaxValue)),
            ]
            : [];
        var iterator = random.Next(5) == 0 ? null : $"AAAAAAAA{index}/{Convert.ToBase64String(BitConverter.GetBytes(random.NextInt64()))}";
        var fetchedAt = new DateTimeOffset(s_epoch.Ticks + index * 7_000L + random.Next(10_000), s_offsets[index % s_offsets.Length]);
        return new FetchedPage(shardId, records, iterator, random.NextInt64(0, 86_400_000), children, fetchedAt);
    }

    /// <summary>A page of one record with exactly <paramref name="dataBytes"/> of data; its iterator names <paramref name="index"/>.</summary>
    public static FetchedPage Sized(string shardId, int index, int dataBytes, DateTimeOffset? fetchedAt = null) =>
        new(shardId,
            [new KinesisRecord(index.ToString("D8", System.Globalization.CultureInfo.InvariantCulture), s_epoch, new byte[dataBytes], "k")],
            $"iterator-{index}",
            index,
            [],
            fetchedAt ?? s_epoch);

    /// <summary>What <see cref="FetchBuffer"/> charges for a <see cref="Sized"/> page.</summary>
    public static long SizedCharge(int dataBytes) => dataBytes + 1 + 8 + FetchBuffer.PageOverheadBytes + FetchBuffer.RecordOverheadBytes;

    /// <summary>Every field, record by record, arrival times to the tick and offset.</summary>
    public static void AssertSame(FetchedPage expected, FetchedPage actual)
    {
        Assert.Equal(expected.ShardId, actual.ShardId);
        Assert.Equal(expected.NextShardIterator, actual.NextShardIterator);
        Assert.Equal(expected.MillisBehindLatest, actual.MillisBehindLatest);
        AssertSameInstant(expected.FetchedAt, actual.FetchedAt);
        Assert.Equal(expected.SizeBytes, actual.SizeBytes);
        Assert.Equal(expected.Records.Count, actual.Records.Count);
        for (var i = 0; i < expected.Records.Count; i++)
        {
            var e = expected.Records[i];
            var a = actual.Records[i];
            Assert.Equal(e.SequenceNumber, a.SequenceNumber);
            Assert.Equal(e.PartitionKey, a.PartitionKey);
            Assert.Equal(e.EncryptionType, a.EncryptionType);
            AssertSameInstant(e.ApproximateArrivalTimestamp, a.ApproximateArrivalTimestamp);
            Assert.True(e.Data.AsSpan().SequenceEqual(a.Data), $"Data of record {i} of {expected} differs.");
        }

        Assert.Equal(expected.ChildShards.Count, actual.ChildShards.Count);
        for (var i = 0; i < expected.ChildShards.Count; i++)
        {
            var e = expected.ChildShards[i];
            var a = actual.ChildShards[i];
            Assert.Equal(e.ShardId, a.ShardId);
            Assert.Equal(e.ParentShards, a.ParentShards);
            Assert.Equal(e.HashKeyRange, a.HashKeyRange);
        }
    }

    /// <summary>DateTimeOffset equality ignores the offset; the spill must keep it.</summary>
    public static void AssertSameInstant(DateTimeOffset expected, DateTimeOffset actual)
    {
        Assert.Equal(expected.UtcTicks, actual.UtcTicks);
        Assert.Equal(expected.Offset, actual.Offset);
    }

    public static string[] SpillFiles(TempDirectory directory) =>
        Directory.Exists(directory.Path) ? Directory.GetFiles(directory.Path) : [];
}
