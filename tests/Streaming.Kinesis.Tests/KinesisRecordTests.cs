using System.Text;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Routing;
using KinesisGrains.Tests.Support;
using Xunit;
using static KinesisGrains.Tests.Support.KinesisEmulatorFixture;

namespace KinesisGrains.Tests;

/// <summary>Data plane against the real emulators.</summary>
public sealed class KinesisRecordTests(KinesisEmulatorFixture emulators) : IClassFixture<KinesisEmulatorFixture>
{
    [Theory]
    [InlineData(Kinesalite)]
    [InlineData(KinesisLocal)]
    public async Task Put_then_get_round_trips_binary_data_and_partition_keys(string emulator)
    {
        using var client = emulators.CreateClient(emulator);
        var name = TestOptions.NewStreamName("roundtrip");
        var shard = Assert.Single(await client.CreateActiveStreamAsync(name, 1));
        var random = new Random(7);
        var payloads = new[]
        {
            Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(),
            RandomBytes(random, 5000),
            "{\"json\":true}"u8.ToArray(),
        };
        var partitionKeys = new[] { "plain", "ключ-ü-🔑", new string('k', 256) };

        var put = await client.PutRecordsAsync(name, payloads.Select((data, i) => new PutRecordsRequestEntry(data, partitionKeys[i])).ToList());

        Assert.Equal(0, put.FailedRecordCount);
        Assert.All(put.Records, entry => Assert.Equal(shard.ShardId, entry.ShardId));
        var sequenceNumbers = put.Records.Select(r => r.SequenceNumber!).ToList();

        // TRIM_HORIZON: everything, in order, byte for byte.
        var all = await client.ReadAsync(await client.GetShardIteratorAsync(name, shard.ShardId, ShardIteratorType.TrimHorizon), 3);
        Assert.Equal(sequenceNumbers, all.Select(r => r.SequenceNumber));
        Assert.Equal(partitionKeys, all.Select(r => r.PartitionKey));
        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.Equal(payloads[i], all[i].Data);
            Assert.InRange(all[i].ApproximateArrivalTimestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(5));
        }

        // Limit is honoured.
        var limited = await client.GetRecordsAsync(await client.GetShardIteratorAsync(name, shard.ShardId, ShardIteratorType.TrimHorizon), limit: 2);
        Assert.Equal(sequenceNumbers.Take(2), limited.Records.Select(r => r.SequenceNumber));

        // AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER.
        var at = await client.ReadAsync(await client.GetShardIteratorAsync(name, shard.ShardId, ShardIteratorType.AtSequenceNumber, sequenceNumbers[1]), 2);
        Assert.Equal(sequenceNumbers.Skip(1), at.Select(r => r.SequenceNumber));
        var after = await client.ReadAsync(await client.GetShardIteratorAsync(name, shard.ShardId, ShardIteratorType.AfterSequenceNumber, sequenceNumbers[1]), 1);
        Assert.Equal(payloads[2], Assert.Single(after).Data);

        // AT_TIMESTAMP between two writes a little over a second apart (kinesalite stamps whole milliseconds).
        await Task.Delay(1200);
        var late = await client.PutRecordsAsync(name, [new("late"u8.ToArray(), "late")]);
        var lastTwo = await client.ReadAsync(await client.GetShardIteratorAsync(name, shard.ShardId, ShardIteratorType.AfterSequenceNumber, sequenceNumbers[1]), 2);
        var between = lastTwo[0].ApproximateArrivalTimestamp + (lastTwo[1].ApproximateArrivalTimestamp - lastTwo[0].ApproximateArrivalTimestamp) / 2;
        Assert.True(lastTwo[1].ApproximateArrivalTimestamp - lastTwo[0].ApproximateArrivalTimestamp > TimeSpan.FromMilliseconds(500));
        var fromTimestamp = await client.ReadAsync(await client.GetShardIteratorAsync(name, shard.ShardId, ShardIteratorType.AtTimestamp, timestamp: between), 1);
        Assert.Equal(late.Records[0].SequenceNumber, Assert.Single(fromTimestamp).SequenceNumber);
        Assert.Equal("late", Encoding.UTF8.GetString(fromTimestamp[0].Data));
    }

    [Theory]
    [InlineData(Kinesalite)]
    [InlineData(KinesisLocal)]
    public async Task LATEST_sees_only_records_written_after_it(string emulator)
    {
        using var client = emulators.CreateClient(emulator);
        var name = TestOptions.NewStreamName("latest");
        var shard = Assert.Single(await client.CreateActiveStreamAsync(name, 1));
        await client.PutRecordsAsync(name, [new("old"u8.ToArray(), "k")]);

        var iterator = await client.GetShardIteratorAsync(name, shard.ShardId, ShardIteratorType.Latest);
        await client.PutRecordsAsync(name, [new("new"u8.ToArray(), "k")]);
        var records = await client.ReadAsync(iterator, 1);

        Assert.Equal("new", Encoding.UTF8.GetString(Assert.Single(records).Data));
    }

    [Theory]
    [InlineData(Kinesalite)]
    [InlineData(KinesisLocal)]
    public async Task Records_land_on_the_shard_HashKey_predicts(string emulator)
    {
        using var client = emulators.CreateClient(emulator);
        var name = TestOptions.NewStreamName("routing");
        var shards = await client.CreateActiveStreamAsync(name, 4);
        Assert.Equal(4, shards.Count);
        var partitionKeys = Enumerable.Range(0, 200).Select(i => $"customer-{i}").ToList();

        var put = await client.PutRecordsAsync(name, partitionKeys.Select(pk => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(pk), pk)).ToList());

        Assert.Equal(0, put.FailedRecordCount);
        Assert.Equal(200, put.Records.Count);
        for (var i = 0; i < partitionKeys.Count; i++)
        {
            var predicted = HashKey.FindShard(shards, HashKey.FromPartitionKey(partitionKeys[i]));
            Assert.NotNull(predicted);
            Assert.True(predicted.ShardId == put.Records[i].ShardId, $"{partitionKeys[i]}: predicted {predicted.ShardId}, Kinesis chose {put.Records[i].ShardId}");
        }

        // 200 keys spread over all four shards, so the check above compared real choices.
        Assert.Equal(4, put.Records.Select(r => r.ShardId).Distinct().Count());

        // An ExplicitHashKey overrides the partition key: the ends of the key space go to the first and last shard.
        var ordered = shards.OrderBy(s => s.HashKeyRange.StartingHashKey).ToList();
        var explicitPut = await client.PutRecordsAsync(name,
        [
            new("low"u8.ToArray(), "same-key", HashKey.Format(UInt128.Zero)),
            new("high"u8.ToArray(), "same-key", HashKey.Format(UInt128.MaxValue)),
        ]);
        Assert.Equal(ordered[0].ShardId, explicitPut.Records[0].ShardId);
        Assert.Equal(ordered[^1].ShardId, explicitPut.Records[1].ShardId);
    }

    [Fact]
    public async Task A_garbage_iterator_is_InvalidArgument_on_kinesalite()
    {
        using var client = emulators.CreateClient(Kinesalite);

        var exception = await Assert.ThrowsAsync<KinesisInvalidArgumentException>(() => client.GetRecordsAsync(GarbageIterator));

        Assert.Equal("GetRecords", exception.Operation);
    }

    [Fact]
    public async Task A_garbage_iterator_is_a_retried_InternalFailure_on_kinesis_local()
    {
        // kinesis-local answers HTTP 500 with an empty body.
        using var handler = new CountingHandler();
        using var client = emulators.CreateClient(KinesisLocal, options => options.MaxAttempts = 2, handler);

        var exception = await Assert.ThrowsAsync<KinesisException>(() => client.GetRecordsAsync(GarbageIterator));

        Assert.Equal("InternalFailure", exception.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, exception.StatusCode);
        Assert.Equal(2, handler.Requests.Count);
    }

    private const string GarbageIterator = "AAAAAAAAAAGarbageGarbageGarbageGarbageGarbageGarbageGarbageGarbage==";

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
