using System.Text.Json;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using KinesisGrains.DynamoDB;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using KinesisGrains.Tests.Kpl;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Where a new application starts (TRIM_HORIZON is everywhere else), and KPL aggregates through a silo.</summary>
public sealed class SourcePositionTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task AT_TIMESTAMP_starts_at_the_first_record_that_arrived_at_or_after_the_time()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        await cluster.ProduceAsync(stream, records: 300, keys: 20, seed: 1);
        await Task.Delay(1_500);
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(1_500);
        var truth = await cluster.ProduceAsync(stream, records: 200, keys: 20, seed: 2);

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings(
            "app-" + stream, stream, data.Path, ("Kinesis:InitialPosition", "AT_TIMESTAMP"), ("Kinesis:InitialTimestamp", from.ToString("O"))));
        await LocalCluster.WaitForCaughtUpAsync(silo, 200);

        Assert.Equal(200, silo.Source.Progress.Sum(p => p.RecordsRead));
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    [Fact]
    public async Task LATEST_skips_what_was_there_before_the_application_started()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await cluster.ProduceAsync(stream, records: 300, keys: 20, seed: 1);

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path, ("Kinesis:InitialPosition", "LATEST")));
        await LocalCluster.WaitForCaughtUpAsync(silo, 0);
        var truth = await cluster.ProduceAsync(stream, records: 100, keys: 20, seed: 2);
        await LocalCluster.WaitForCaughtUpAsync(silo, 100);

        Assert.Equal(100, silo.Source.Progress.Sum(p => p.RecordsRead));
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    /// <summary>
    /// Rule 8 (hole 7 of issue 13): a shard started at LATEST whose reader is gone before its first checkpoint used
    /// to be read from a new LATEST by the next reader, silently skipping what arrived in between.
    /// </summary>
    [Fact]
    public async Task LATEST_before_the_first_checkpoint_is_where_the_first_reader_began_for_every_later_reader()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        var settings = cluster.SiloSettings(application, stream, data.Path, ("Kinesis:InitialPosition", "LATEST"), ("Kinesis:CheckpointInterval", "01:00:00"));
        GroundTruth truth;
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 0);
            truth = await cluster.ProduceAsync(stream, records: 50, keys: 10, seed: 1);
            await LocalCluster.WaitForCaughtUpAsync(silo, 50);
        }

        // As if the silo had died before any checkpoint: the lease row is back at LATEST.
        using var dynamo = cluster.DynamoDBClient();
        var leases = new ShardLeaseTable(dynamo, application);
        var shardId = (await cluster.Kinesis.ListShardsAsync(stream)).Single().ShardId;
        await leases.RewindAsync(shardId, SentinelCheckpoint.Latest, subSequenceNumber: 0, CancellationToken.None);
        Assert.NotNull((await leases.ListAsync(CancellationToken.None)).Single(l => l.LeaseKey == shardId).OriginSequenceNumber);

        // Records that arrive while no silo runs, then after the next one started.
        truth = await cluster.ProduceAsync(stream, records: 50, keys: 10, seed: 2, truth: truth);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 100);
            truth = await cluster.ProduceAsync(stream, records: 20, keys: 10, seed: 3, truth: truth);
            await LocalCluster.WaitForCaughtUpAsync(silo, 120);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        }
    }

    [Fact]
    public async Task KPL_aggregated_events_are_de_aggregated_and_counted_once()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var truth = new GroundTruth();
        var generator = new ClickstreamGenerator(30, 5, DateTimeOffset.UtcNow.AddHours(-1));
        for (var aggregate = 0; aggregate < 20; aggregate++)
        {
            var events = Enumerable.Range(0, 50).Select(_ => generator.Next()).ToList();
            var bytes = KplAggregateWriter.Write(events.Select(e => new AggregateEntry(e.UserId, null, JsonSerializer.SerializeToUtf8Bytes(e, StateSerializer.Options))).ToList());
            var response = await cluster.Kinesis.PutRecordsAsync(stream, [new(bytes, events[0].UserId)]);
            Assert.Equal(0, response.FailedRecordCount);
            events.ForEach(truth.Add);
        }

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path));
        await LocalCluster.WaitForCaughtUpAsync(silo, 1_000);

        Assert.Equal(1_000, silo.Source.Progress.Sum(p => p.RecordsRead));
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    [Fact]
    public async Task A_checkpoint_inside_an_aggregate_resumes_at_that_record_and_skips_its_processed_sub_records()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var inAggregate = Enumerable.Range(0, 10).Select(i => new ClickEvent($"agg-user-{i}", "click", 100 + i, start.AddSeconds(i))).ToList();
        var bytes = KplAggregateWriter.Write(inAggregate.Select(e => new AggregateEntry(e.UserId, null, JsonSerializer.SerializeToUtf8Bytes(e, StateSerializer.Options))).ToList());
        var put = await cluster.Kinesis.PutRecordsAsync(stream, [new(bytes, inAggregate[0].UserId)]);
        var aggregateSequence = Assert.Single(put.Records).SequenceNumber!;
        var after = Enumerable.Range(0, 5).Select(i => new ClickEvent($"plain-user-{i}", "view", 200 + i, start.AddMinutes(1 + i))).ToList();
        await cluster.Kinesis.PutRecordsAsync(stream, after.Select(e => new PutRecordsRequestEntry(JsonSerializer.SerializeToUtf8Bytes(e, StateSerializer.Options), e.UserId)).ToList());

        // A checkpoint written part-way through the aggregate: sub-records 0 to 4 were processed before a stop.
        var application = "app-" + stream;
        using var dynamo = cluster.DynamoDBClient();
        var leases = new ShardLeaseTable(dynamo, application);
        await leases.EnsureCreatedAsync(CancellationToken.None);
        var shardId = (await cluster.Kinesis.ListShardsAsync(stream)).Single().ShardId;
        await leases.CreateIfNotExistsAsync(shardId, SentinelCheckpoint.TrimHorizon, [], CancellationToken.None);
        await leases.RewindAsync(shardId, aggregateSequence, subSequenceNumber: 4, CancellationToken.None);

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings(application, stream, data.Path));
        await LocalCluster.WaitForCaughtUpAsync(silo, 5 + 5);

        var truth = new GroundTruth();
        inAggregate.Skip(5).Concat(after).ToList().ForEach(truth.Add);
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        foreach (var processed in inAggregate.Take(5))
        {
            Assert.Equal(0, (await client.GetGrain<IUserActivity>(processed.UserId).GetSummaryAsync()).EventCount);
        }
    }
}
