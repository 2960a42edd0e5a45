using System.Diagnostics.Metrics;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing.Delta;
using KinesisGrains.Tests.Delta.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Hosting;
using Orleans.TestingHost;
using Xunit;

namespace KinesisGrains.Tests.Delta;

public sealed class DeltaSinkTests(DeltaEmulatorFixture emulators, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<DeltaEmulatorFixture>
{
    private const int Partitions = 16;

    [Fact]
    public async Task A_barrier_of_16_partitions_makes_few_versions_and_a_replayed_epoch_writes_nothing()
    {
        var bucket = await emulators.NewBucketAsync();
        var logTable = $"delta_log_{Guid.NewGuid():N}";
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.Services.AddDeltaSink("events", o =>
        {
            o.Application = "demo";
            o.StateName = "activity";
            o.Bucket = bucket;
            o.Path = "tables/events";
            o.PartitionColumns = ["date(lastSeen)"];
            o.CheckpointInterval = 5;
            o.LogStore = DeltaLogStoreKind.DynamoDB;
            o.LogTableName = logTable;
            o.ServiceUrl = emulators.S3Endpoint;
            o.DynamoDBServiceUrl = emulators.DynamoDBEndpoint;
            o.AccessKeyId = "S3RVER";
            o.SecretAccessKey = "S3RVER";
        }));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var sink = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IRowSink>("events");
        Assert.Equal("DeltaSink[s3://" + bucket + "/tables/events]", sink.Description);
        Assert.Null(await sink.CommittedEpochAsync(0, default)); // no table yet

        long rowsWritten = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DeltaMetrics.MeterName && instrument.Name == "kgrains.delta.rows_written")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        // Other test classes' sinks run meanwhile in this process: count this sink's rows only.
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "sink", Value: "events" })
                {
                    Interlocked.Add(ref rowsWritten, value);
                }
            }
        });
        listener.Start();

        // Two barriers: every partition hands its epoch over at once, as partition grains do at a barrier.
        SinkEpochBatch Batch(int partition, long epoch) =>
            new("activity", partition, epoch, SinkOutputKind.Emitted, TestRows.Schema, partition == 5 ? [] : TestRows.Rows((int)(epoch * 1000) + (partition * 10), 3, $"{epoch}"));
        var results = new List<SinkCommitResult>();
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var barrier = await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => sink.CommitAsync(Batch(p, epoch), default)));
            output.WriteLine($"barrier {epoch}: {Partitions} partitions in {started.ElapsedMilliseconds} ms, versions [{string.Join(", ", barrier.Select(r => r.Version).Distinct())}], " +
                $"per-call {barrier.Min(r => r.Duration.TotalMilliseconds):F0}..{barrier.Max(r => r.Duration.TotalMilliseconds):F0} ms");
            results.AddRange(barrier);
        }

        Assert.All(results, r => Assert.False(r.AlreadyCommitted));
        var versions = results.Select(r => r.Version!.Value).Distinct().Count();
        Assert.InRange(versions, 2, 6); // 32 partition epochs; without group commit, 32 versions
        Assert.Equal((Partitions - 1) * 3 * 2, results.Sum(r => r.RowsWritten));
        Assert.Equal((Partitions - 1) * 3 * 2, Interlocked.Read(ref rowsWritten));

        // A partition that crashed before recording its commit hands epoch 2 over again; and an older one.
        var replay = await sink.CommitAsync(Batch(3, 2), default);
        Assert.True(replay.AlreadyCommitted);
        Assert.True((await sink.CommitAsync(Batch(4, 1), default)).AlreadyCommitted);

        // Another silo's sink (a fresh process's view) finds the table where it is, and skips too.
        using var runtime = new DeltaSinkRuntime(cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<DeltaSinkRuntime>("events").Options);
        var fresh = new DeltaSink(runtime, cluster.Client);
        Assert.True((await fresh.CommitAsync(Batch(7, 2), default)).AlreadyCommitted);
        var third = await fresh.CommitAsync(Batch(7, 3), default);
        Assert.False(third.AlreadyCommitted);

        // What a partition asks at activation (restored behind it, it numbers its next epochs above).
        Assert.Equal(3, await sink.CommittedEpochAsync(7, default));
        Assert.Equal(2, await fresh.CommittedEpochAsync(0, default));
        Assert.Null(await sink.CommittedEpochAsync(Partitions + 1, default));

        // A silo shutting down with every other, so the committer grain is placed nowhere: it commits from a table of
        // its own, which the grain then sees. A silo still running does not go around the grain.
        var stopping = new DeltaSink(runtime, new DeltaCommitter(new UnplaceableCommitter(), runtime, terminating: () => true, NullLogger.Instance));
        Assert.Equal(3, await stopping.CommittedEpochAsync(7, default));
        var direct = await stopping.CommitAsync(Batch(7, 4), default);
        Assert.Equal((false, 3), (direct.AlreadyCommitted, direct.RowsWritten));
        Assert.True((await stopping.CommitAsync(Batch(7, 4), default)).AlreadyCommitted);
        Assert.Equal(4, await sink.CommittedEpochAsync(7, default));

        // A whole hand-over of 16 partitions through that silo's own table: gathered into few versions, as by the grain.
        var handOver = await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => stopping.CommitAsync(Batch(p, 5), default)));
        var handOverVersions = handOver.Select(r => r.Version!.Value).Distinct().Count();
        Assert.InRange(handOverVersions, 1, 5); // one at a time, 16
        Assert.Equal((Partitions - 1) * 3, handOver.Sum(r => r.RowsWritten));
        var running = new DeltaSink(runtime, new DeltaCommitter(new UnplaceableCommitter(), runtime, terminating: () => false, NullLogger.Instance));
        await Assert.ThrowsAsync<Orleans.Runtime.OrleansException>(() => running.CommitAsync(Batch(8, 4), default));

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, bucket, "tables/events");
        Assert.Equal(versions + 2 + handOverVersions, reader.Commits.Count);
        Assert.Equal(Enumerable.Range(0, versions + 2 + handOverVersions).Select(v => (long)v), reader.Commits.Keys);
        Assert.Equal(Partitions, reader.Txns.Count(t => t.Key.StartsWith("demo/events/activity/", StringComparison.Ordinal)));
        Assert.Equal(5, reader.Txns["demo/events/activity/5"]); // the empty epochs are recorded
        Assert.Equal(5, reader.Txns["demo/events/activity/7"]);
        using var duck = reader.OpenDuckDB();
        Assert.Equal(((Partitions - 1) * 3 * 3) + 6, Convert.ToInt32(IndependentDeltaReader.Scalar(duck, "SELECT count(*) FROM t")));
        Assert.Equal(((Partitions - 1) * 3 * 3) + 6, Convert.ToInt32(IndependentDeltaReader.Scalar(duck, "SELECT count(DISTINCT \"user\") FROM t")));

        // What crosses silos to the committer grain survives Orleans' serializer (local calls skip it: the types are immutable).
        var serializer = cluster.Silos[0].ServiceProvider.GetRequiredService<Orleans.Serialization.Serializer>();
        var part = new DeltaTxnPart("a", 3, [.. reader.LiveFiles.Keys.Take(1).Select(p => new DeltaAddFile { Path = p, PartitionValues = new Dictionary<string, string?> { ["k"] = null, ["j"] = "v" }, Size = 9, Stats = "{}" })]);
        var copy = serializer.Deserialize<DeltaTxnPart>(serializer.SerializeToArray(part))!;
        Assert.Equal(part.Adds[0].Path, copy.Adds[0].Path);
        Assert.Equal(part.Adds[0].PartitionValues.OrderBy(p => p.Key), copy.Adds[0].PartitionValues.OrderBy(p => p.Key));
        var definition = TestRows.Definition("date(lastSeen)");
        Assert.Equal(definition, serializer.Deserialize<DeltaTableDefinition>(serializer.SerializeToArray(definition)));
        var error = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(new DeltaTableMismatchException("columns differ")))!;
        Assert.Contains("columns differ", error.Message);

        // No upload of a skipped epoch is left behind: every data object is a live file.
        Assert.Equal(reader.LiveFiles.Keys.Select(Uri.UnescapeDataString).Order(), reader.Objects.Keys.Where(k => !k.StartsWith('_')).Order());
    }
}
