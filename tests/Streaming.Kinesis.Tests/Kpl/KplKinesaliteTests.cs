using System.Text;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Kpl;
using KinesisGrains.Streaming.Kinesis.Routing;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests.Kpl;

/// <summary>Aggregates written to a real emulator with PutRecords, read back with GetRecords and de-aggregated.</summary>
public sealed class KplKinesaliteTests(KinesaliteFixture kinesalite) : IClassFixture<KinesaliteFixture>
{
    [Fact]
    public async Task Aggregates_round_trip_through_kinesalite()
    {
        using var client = kinesalite.CreateClient();
        var stream = TestOptions.NewStreamName("kpl");
        var shards = (await client.CreateActiveStreamAsync(stream, shardCount: 2)).OrderBy(s => s.HashKeyRange.StartingHashKey).ToList();
        var (lower, upper) = (shards[0].HashKeyRange, shards[1].HashKeyRange);

        // Sub-records that all hash into the lower shard, with some keys shared, as the KPL packs them.
        var lowerKeys = KplShardRangeTests.KeysIn(lower, 4);
        List<AggregateEntry> inLower = [.. Enumerable.Range(0, 6).Select(i => new AggregateEntry(lowerKeys[i % 4], null, Payload(i, 90)))];
        // Explicit hash keys in the upper shard override partition keys that hash anywhere.
        List<AggregateEntry> inUpper = [.. Enumerable.Range(0, 4).Select(i => new AggregateEntry($"any-{i}", HashKey.Format(upper.StartingHashKey + (UInt128)i * 1_000_003), Payload(i, 0)))];
        // 600 records of 500 bytes: multi-byte lengths, and an aggregate near a third of the 1 MiB limit.
        List<AggregateEntry> large = [.. Enumerable.Range(0, 600).Select(i => new AggregateEntry(lowerKeys[i % 4], null, Payload(i, 500)))];
        // The doc's a/b/c case: packed for both shards, written to the lower one by its first key.
        var upperKey = KplShardRangeTests.KeysIn(upper, 1)[0];
        List<AggregateEntry> straddling = [new(lowerKeys[0], null, "A"u8.ToArray()), new(upperKey, null, "B"u8.ToArray()), new(lowerKeys[1], null, "C"u8.ToArray())];
        var plain = Encoding.UTF8.GetBytes("{\"plain\":true}");

        var aggregates = new[] { inLower, inUpper, large, straddling };
        List<PutRecordsRequestEntry> entries =
        [
            .. aggregates.Select(a => new PutRecordsRequestEntry(KplAggregateWriter.Write(a), a[0].PartitionKey, a[0].ExplicitHashKey)),
            new(plain, upperKey),
        ];
        var put = await client.PutRecordsAsync(stream, entries);
        Assert.Equal(0, put.FailedRecordCount);
        Assert.Equal([shards[0].ShardId, shards[1].ShardId, shards[0].ShardId, shards[0].ShardId, shards[1].ShardId], put.Records.Select(r => r.ShardId));

        var read = new Dictionary<string, (KinesisRecord Record, HashKeyRange Range)>();
        foreach (var (shard, expected) in new[] { (shards[0], 3), (shards[1], 2) })
        {
            var iterator = await client.GetShardIteratorAsync(stream, shard.ShardId, ShardIteratorType.TrimHorizon);
            var records = await client.ReadAsync(iterator, expected);
            Assert.Equal(expected, records.Count);
            foreach (var record in records)
            {
                read.Add(record.SequenceNumber, (record, shard.HashKeyRange));
            }
        }

        for (var i = 0; i < aggregates.Length; i++)
        {
            var (record, range) = read[put.Records[i].SequenceNumber!];
            Assert.Equal(entries[i].Data.ToArray(), record.Data);
            var output = new List<UserRecord>();
            var result = KplDeaggregator.Default.Deaggregate(record, output, range);

            if (aggregates[i] == straddling)
            {
                Assert.Equal(new DeaggregationResult(DeaggregationOutcome.DroppedOutsideShardRange, 0, 3), result);
                Assert.Empty(output);
                // Without the KCL rule the same bytes yield all three.
                var kept = new List<UserRecord>();
                new KplDeaggregator(new() { DropAggregatesOutsideShardRange = false }).Deaggregate(record, kept, range);
                AssertSubRecords(straddling, record, kept);
            }
            else
            {
                Assert.Equal(new DeaggregationResult(DeaggregationOutcome.Aggregated, aggregates[i].Count), result);
                AssertSubRecords(aggregates[i], record, output);
            }
        }

        var (plainRecord, plainRange) = read[put.Records[4].SequenceNumber!];
        var plainOutput = new List<UserRecord>();
        Assert.Equal(DeaggregationOutcome.Plain, KplDeaggregator.Default.Deaggregate(plainRecord, plainOutput, plainRange).Outcome);
        var single = Assert.Single(plainOutput);
        Assert.Equal(plain, single.Data.ToArray());
        Assert.Equal((upperKey, 0L, false), (single.PartitionKey, single.SubSequenceNumber, single.IsFromAggregate));

        await client.DeleteStreamAsync(stream);
    }

    private static void AssertSubRecords(List<AggregateEntry> expected, KinesisRecord parent, List<UserRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].PartitionKey, actual[i].PartitionKey);
            Assert.Equal(expected[i].ExplicitHashKey, actual[i].ExplicitHashKey);
            Assert.Equal(expected[i].Data, actual[i].Data.ToArray());
            Assert.Equal(parent.SequenceNumber, actual[i].SequenceNumber);
            Assert.Equal(i, actual[i].SubSequenceNumber);
            Assert.Equal(parent.ApproximateArrivalTimestamp, actual[i].ApproximateArrivalTimestamp);
            Assert.True(actual[i].IsFromAggregate);
        }
    }

    private static byte[] Payload(int index, int length)
    {
        var text = $"record {index}:";
        return Encoding.UTF8.GetBytes(text.PadRight(Math.Max(length, text.Length), (char)('a' + index % 26)));
    }
}
