using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.S3;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState.Export;
using KinesisGrains.Cli;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Cli.Rescaling;
using KinesisGrains.Cli.Savepoints;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests;

/// <summary>
/// <c>kgrains rescale</c> on the emulators: an application of 4 partitions goes to 6 and then to 3, every user's
/// activity exact after each start and after more records. Before the first rescale one partition's pointer is set back
/// to an older retained snapshot (as if its newest upload were lost), so one new partition is merged from parts held
/// to different points: the shard is replayed from the older one and each part's keys skip what they held already.
/// A savepoint taken at 4 partitions is restored at the end into 3 (rescaled on restore): its snapshots hold exactly the
/// savepoint's state, and every record counts once after the replay.
/// </summary>
public sealed class RescaleTests(LocalCluster cluster, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Rescaling_up_and_down_keeps_every_key_exact_even_from_partitions_held_to_different_points()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        Dictionary<string, string?> Settings(int partitions) => cluster.WithSnapshots(cluster.SiloSettings(
            application, stream, data.Path,
            ("Grains:PartitionCount", partitions.ToString(CultureInfo.InvariantCulture)),
            ("Kinesis:CheckpointInterval", "00:00:00.300"),
            ("Snapshots:SnapshotsToRetain", "50")), stream);
        using var dynamo = cluster.DynamoDBClient();
        using var s3 = cluster.S3Client(stream);
        var rescaler = new ApplicationRescaler(dynamo, s3, application) { LeaseFailoverTime = TimeSpan.FromSeconds(1) };
        var truthPath = Path.Combine(data.Path, "truth.json");

        // Two batches with barriers between them, so each partition retains snapshots of A alone and of A and B.
        var truth = await cluster.ProduceAsync(stream, records: 500, keys: 60);
        await using (var silo = await LocalCluster.StartSiloAsync(Settings(4)))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 500);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
            await Task.Delay(1_000);
            truth = await cluster.ProduceAsync(stream, records: 500, keys: 80, seed: 8, truth: truth);
            await LocalCluster.WaitForCaughtUpAsync(silo, 1_000);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }

        // A savepoint of A and B at 4 partitions, restored at the end into 3.
        var savepoints = new SavepointStore(dynamo, s3, application);
        await savepoints.CreateAsync("at-4", CancellationToken.None);
        truth.Save(truthPath);
        var truthAtSavepoint = GroundTruth.Load(truthPath);

        var rolledBack = await RollBackOnePartitionAsync(application, stream);
        output.WriteLine($"partition {rolledBack} set back to its oldest retained snapshot");

        var up = await rescaler.RescaleAsync(6, CancellationToken.None);
        var state = Assert.Single(up.States);
        output.WriteLine($"4 -> 6: {state.PartitionsCutByRange} partitions cut by range, {state.KeysCopied} keys copied, {state.PartitionsWithFloors} partitions with floors, {up.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(6, state.PartitionsCutByRange);
        Assert.InRange(state.KeysCopied, 1, (truth.Users.Count / 2) - 1); // new partitions 1 and 4 overlap two old ones: their second one's keys only
        Assert.InRange(state.PartitionsWithFloors, 1, 6);
        Assert.Equal("6", (await new ShardLeaseTable(dynamo, application).GetApplicationFactsAsync(CancellationToken.None))![ApplicationRecord.PartitionCountFact]);

        var refused = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(Settings(4)));
        Assert.Contains("Grains:PartitionCount is pinned to 6", refused.Message);

        truth.Save(truthPath);
        await using (var silo = await LocalCluster.StartSiloAsync(Settings(6)))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
            truth = await cluster.ProduceAsync(stream, records: 300, keys: 90, seed: 9, truth: truth);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }

        var down = await rescaler.RescaleAsync(3, CancellationToken.None);
        output.WriteLine($"6 -> 3: {down.States[0].KeysCopied} keys copied, {down.States[0].PartitionsWithFloors} partitions with floors, {down.Elapsed.TotalSeconds:F1} s");
        Assert.InRange(down.States[0].KeysCopied, 1, truth.Users.Count - 1); // each new partition is one old store and the keys of another
        var again = await Assert.ThrowsAsync<CliException>(() => rescaler.RescaleAsync(3, CancellationToken.None));
        Assert.Contains("has 3 partitions already", again.Message);

        await using (var silo = await LocalCluster.StartSiloAsync(Settings(3)))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
            truth = await cluster.ProduceAsync(stream, records: 300, keys: 100, seed: 10, truth: truth);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }

        // The savepoint of 4 partitions restored into 3: before any silo starts, the 3 partitions' snapshots hold
        // exactly the savepoint's state; with the silo, every later record counts once more.
        var restore = await savepoints.RestoreAsync("at-4", CancellationToken.None);
        Assert.Equal(3, restore.RescaledTo);
        Assert.Equal("3", (await new ShardLeaseTable(dynamo, application).GetApplicationFactsAsync(CancellationToken.None))![ApplicationRecord.PartitionCountFact]);
        Assert.Empty(await SnapshotProblemsAsync(dynamo, s3, application, truthAtSavepoint));

        await using (var silo = await LocalCluster.StartSiloAsync(Settings(3)))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }

        // A rescale interrupted before it switched anything (its record says preparing) keeps silos out, and a rescale
        // to the count the application has gives it up.
        var table = new ShardLeaseTable(dynamo, application);
        await table.SetPendingRescaleAsync(new PendingRescale(3, 5, new Dictionary<string, long>()).ToJson(), CancellationToken.None);
        var pendingRefusal = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(Settings(3)));
        Assert.Contains("unfinished rescale", pendingRefusal.Message);
        var givenUp = await rescaler.RescaleAsync(3, CancellationToken.None);
        Assert.True(givenUp.GivenUp);
        Assert.Null(await table.GetPendingRescaleAsync(CancellationToken.None));
        Assert.Equal("3", (await table.GetApplicationFactsAsync(CancellationToken.None))![ApplicationRecord.PartitionCountFact]);
    }

    [Fact]
    public async Task A_reset_that_keeps_the_state_applies_the_re_read_records_again_on_top_of_it()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        var settings = cluster.WithSnapshots(cluster.SiloSettings(
            application, stream, data.Path, ("Grains:PartitionCount", "4"), ("Kinesis:CheckpointInterval", "00:00:00.300")), stream);
        using var dynamo = cluster.DynamoDBClient();
        using var s3 = cluster.S3Client(stream);

        var truth = await cluster.ProduceAsync(stream, records: 400, keys: 50);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }

        var reset = await new ApplicationRescaler(dynamo, s3, application) { LeaseFailoverTime = TimeSpan.FromSeconds(1) }
            .ResetKeepingStateAsync("TRIM_HORIZON", null, shardId: null, CancellationToken.None);
        Assert.Equal(2, reset.Shards.Count);
        Assert.Null(await new ShardLeaseTable(dynamo, application).GetPendingRescaleAsync(CancellationToken.None));

        // Every record is read again and counted again: each user's counts and bytes twice, the times as they were.
        var twice = new GroundTruth
        {
            Events = 2 * truth.Events,
            Users = truth.Users.ToDictionary(
                u => u.Key,
                u => u.Value with
                {
                    EventCount = 2 * u.Value.EventCount,
                    TotalBytes = 2 * u.Value.TotalBytes,
                    EventsByType = u.Value.EventsByType.ToDictionary(t => t.Key, t => 2 * t.Value, StringComparer.Ordinal),
                },
                StringComparer.Ordinal),
        };
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await twice.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_rescale_refused_for_rows_a_sink_could_not_take_leaves_nothing_to_finish_and_the_silos_start_again()
    {
        // A Kinesis sink whose stream does not exist: every commit fails, so the rows stay staged, in the snapshot of the
        // graceful stop too, and only the sink could say whether it has them.
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        var settings = cluster.WithSnapshots(cluster.SiloSettings(
            application, stream, data.Path, ("Grains:PartitionCount", "2"), ("Kinesis:CheckpointInterval", "00:00:00.300"),
            ("Sinks:clicks:Type", "Kinesis"), ("Sinks:clicks:StateName", "user-activity"), ("Sinks:clicks:StreamName", "no-such-stream-" + stream)), stream);
        using var dynamo = cluster.DynamoDBClient();
        using var s3 = cluster.S3Client(stream);
        var truth = await cluster.ProduceAsync(stream, records: 100, keys: 20);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }

        var refused = await Assert.ThrowsAsync<CliException>(
            () => new ApplicationRescaler(dynamo, s3, application) { LeaseFailoverTime = TimeSpan.FromSeconds(1) }.RescaleAsync(4, CancellationToken.None));
        Assert.Contains("holds rows staged for its sinks", refused.Message);
        Assert.Contains("Nothing was changed.", refused.Message);

        // Nothing to finish: the silos start with the count they had, and the state is as it was.
        var table = new ShardLeaseTable(dynamo, application);
        Assert.Null(await table.GetPendingRescaleAsync(CancellationToken.None));
        Assert.Equal("2", (await table.GetApplicationFactsAsync(CancellationToken.None))![ApplicationRecord.PartitionCountFact]);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }
    }

    /// <summary>How the user-activity state in the partitions' latest snapshots differs from <paramref name="truth"/>.</summary>
    private static async Task<List<string>> SnapshotProblemsAsync(IAmazonDynamoDB dynamo, IAmazonS3 s3, string application, GroundTruth truth)
    {
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, CancellationToken.None);
        using var reader = new OfflineStateReader(new S3SnapshotOptions { Bucket = app.Bucket, Prefix = app.Prefix, ServiceUrl = new Uri(s3.Config.ServiceURL), AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" });
        var found = new Dictionary<string, UserActivitySummary>(StringComparer.Ordinal);
        for (var partition = 0; partition < app.PartitionCount; partition++)
        {
            var id = OfflineStateReader.PartitionIdOf("user-activity", partition);
            var pointer = await app.Fence.ReadAsync(id, CancellationToken.None);
            await reader.ReadAsync(id, pointer!.LatestSnapshotId, null, (entry, _) =>
            {
                found[entry.Key] = UserActivitySummary.Of(entry.Key, JsonSerializer.Deserialize<UserActivityState>(entry.Value, StateSerializer.Options)!);
                return ValueTask.CompletedTask;
            });
        }

        var problems = truth.Users.Select(u => found.TryGetValue(u.Key, out var state) ? GroundTruth.Compare(u.Value, state) : $"{u.Key}: missing").OfType<string>().ToList();
        problems.AddRange(found.Keys.Where(k => !truth.Users.ContainsKey(k)).Select(k => $"{k}: not in the truth"));
        return problems;
    }

    /// <summary>Sets partition 1's latest snapshot back to the retained one that covers least; returns its id.</summary>
    private async Task<string> RollBackOnePartitionAsync(string application, string bucket)
    {
        using var dynamo = cluster.DynamoDBClient();
        using var s3 = cluster.S3Client(bucket);
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, CancellationToken.None);
        var pointer = (await app.Fence.ListAsync(CancellationToken.None)).Single(p => p.PartitionId.EndsWith(".p-00001", StringComparison.Ordinal));
        var latest = await app.Snapshots.GetManifestAsync(pointer.PartitionId, pointer.LatestSnapshotId);
        var oldest = await app.Snapshots.GetManifestAsync(pointer.PartitionId, pointer.RetainedSnapshotIds[0]);
        Assert.NotEqual(SnapshotMetadata.CoveredOf(latest!.Metadata), SnapshotMetadata.CoveredOf(oldest!.Metadata));
        await app.Fence.ResetLatestAsync(pointer.PartitionId, oldest.SnapshotId, [oldest.SnapshotId], CancellationToken.None);
        return pointer.PartitionId;
    }
}
