using KinesisGrains.Cli;
using KinesisGrains.Cli.Commands;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Cli.Savepoints;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests;

/// <summary>
/// Savepoints on the emulators: one taken after a batch A keeps its snapshots through more barriers than retention
/// keeps, a restore takes the stopped application back to exactly A (seen with the input held), and the replay then
/// counts the later batch B once; a restore is refused while a silo runs; a delete unpins. One taken while the silos
/// run holds what they applied just before it, at a checkpoint cycle it asks each for. RescaleTests restores one
/// across partition counts.
/// </summary>
public sealed class SavepointTests(LocalCluster cluster, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    private const int Partitions = 4;

    [Fact]
    public async Task A_restore_goes_back_to_the_savepoint_and_the_replay_counts_every_record_once()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        var settings = cluster.WithSnapshots(cluster.SiloSettings(
            application, stream, data.Path,
            ("Grains:PartitionCount", Partitions.ToString()),
            ("Kinesis:CheckpointInterval", "00:00:00.300"),
            // One retained snapshot: without its pin, the savepoint's snapshot would be deleted at the next commit.
            ("Snapshots:SnapshotsToRetain", "1"),
            ("Snapshots:PruneGracePeriod", "00:00:00")), stream);
        using var dynamo = cluster.DynamoDBClient();
        using var s3 = cluster.S3Client(stream);
        var savepoints = new SavepointStore(dynamo, s3, application);
        var leases = new ShardLeaseTable(dynamo, application);

        // Batch A, all of it in the partitions' snapshots once the silo stopped (a graceful stop snapshots them).
        var truthA = await cluster.ProduceAsync(stream, records: 600, keys: 60);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 600);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truthA.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));

            var running = await Assert.ThrowsAsync<CliException>(() => savepoints.RestoreAsync("anything", CancellationToken.None));
            Assert.Contains("stop every silo of the application", running.Message);
        }

        var created = await savepoints.CreateAsync("after-a", CancellationToken.None);
        Assert.Equal(Partitions, created.Partitions.Count);
        var shard = Assert.Single(created.Shards);
        Assert.Equal("after-a", Assert.Single(await savepoints.ListAsync(CancellationToken.None)).Name);
        var duplicate = await Assert.ThrowsAsync<CliException>(() => savepoints.CreateAsync("after-a", CancellationToken.None));
        Assert.Contains("exists already", duplicate.Message);

        // Batch B, with barriers enough that every partition's retained list moves past the pinned snapshot.
        var truthPath = Path.Combine(data.Path, "truth-a.json");
        truthA.Save(truthPath);
        var truthAB = await cluster.ProduceAsync(stream, records: 600, keys: 80, seed: 8, truth: GroundTruth.Load(truthPath));
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 600);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truthAB.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
        }

        var fence = new DynamoDBSnapshotFence(dynamo, new DynamoDBSnapshotFenceOptions
        {
            TableName = SnapshotLocation.FenceTable(application),
            KeyPrefix = SnapshotLocation.FenceKeyPrefix(created.Bucket, created.Prefix),
        });
        var snapshots = new S3SnapshotStore(new S3SnapshotOptions { Bucket = stream, Prefix = created.Prefix, PruneGracePeriod = TimeSpan.Zero }, s3);
        foreach (var partition in created.Partitions)
        {
            var pointer = await fence.ReadAsync(partition.PartitionId, CancellationToken.None);
            Assert.Equal(partition.SnapshotId, pointer!.Pins["after-a"]);
            Assert.DoesNotContain(partition.SnapshotId, pointer.RetainedSnapshotIds);
            Assert.NotNull(await snapshots.GetManifestAsync(partition.PartitionId, partition.SnapshotId));
        }

        var restore = await savepoints.RestoreAsync("after-a", CancellationToken.None);
        Assert.Empty(restore.ChildrenReset);
        var lease = await leases.GetAsync(shard.ShardId, CancellationToken.None);
        Assert.Equal((shard.Checkpoint, shard.SubSequenceNumber, null), (lease!.Checkpoint, lease.CheckpointSubSequenceNumber, lease.LeaseOwner));
        foreach (var partition in created.Partitions)
        {
            Assert.Equal(partition.SnapshotId, (await fence.ReadAsync(partition.PartitionId, CancellationToken.None))!.LatestSnapshotId);
        }

        // The input held (a live lease of another worker on the only shard: a fair share, never stolen): the state
        // is exactly A's, although the silo's local folders hold A and B.
        var held = await HoldAsync(leases, lease!);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            await using (held)
            {
                Assert.Empty(await truthA.VerifyAsync(client.Client, CancellationToken.None));
                Assert.Equal(0, silo.Source.Progress.Sum(p => p.RecordsRead));
            }

            // Released: the silo reads from the savepoint's position, and B counts once.
            Assert.Empty(await truthAB.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
            Assert.InRange(silo.Source.Progress.Sum(p => p.RecordsRead), 600, 1_200);
            output.WriteLine($"read after the restore: {silo.Source.Progress.Sum(p => p.RecordsRead)} records");
        }

        // An application recorded before its snapshot prefix was a fact (no such entry in its facts row) used the silos'
        // default prefix: the savepoints are found there, as the state export finds the snapshots.
        await dynamo.UpdateItemAsync(new Amazon.DynamoDBv2.Model.UpdateItemRequest
        {
            TableName = application,
            Key = new() { ["leaseKey"] = new Amazon.DynamoDBv2.Model.AttributeValue { S = "kgrains:facts" } },
            UpdateExpression = "REMOVE facts.#prefix",
            ExpressionAttributeNames = new() { ["#prefix"] = ApplicationRecord.SnapshotPrefixFact },
        });
        Assert.False((await leases.GetApplicationFactsAsync(CancellationToken.None))!.ContainsKey(ApplicationRecord.SnapshotPrefixFact));
        Assert.Equal("after-a", Assert.Single(await new SavepointStore(dynamo, s3, application).ListAsync(CancellationToken.None)).Name);

        // Pinned, a snapshot outlives a listing prune; deleted, the savepoint's pins are gone and the prune takes it.
        var first = created.Partitions[0];
        var writer = await FencedSnapshotWriter.AcquireAsync(snapshots, fence, first.PartitionId);
        await writer.PruneAsync();
        Assert.NotNull(await snapshots.GetManifestAsync(first.PartitionId, first.SnapshotId));
        Assert.Equal(Partitions, await savepoints.DeleteAsync("after-a", CancellationToken.None));
        Assert.Empty(await savepoints.ListAsync(CancellationToken.None));
        foreach (var partition in created.Partitions)
        {
            Assert.Empty((await fence.ReadAsync(partition.PartitionId, CancellationToken.None))!.Pins);
        }

        await writer.PruneAsync();
        Assert.Null(await snapshots.GetManifestAsync(first.PartitionId, first.SnapshotId));
    }

    [Fact]
    public async Task A_savepoint_taken_while_running_holds_the_records_applied_just_before_it_whatever_the_checkpoint_interval()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        // Ten minutes: no barrier of its own comes during the test, so only the savepoint's can hold batch B.
        var settings = cluster.WithSnapshots(cluster.SiloSettings(
            application, stream, data.Path,
            ("Grains:PartitionCount", Partitions.ToString()),
            ("Kinesis:CheckpointInterval", "00:10:00")), stream);
        using var dynamo = cluster.DynamoDBClient();
        using var s3 = cluster.S3Client(stream);
        var savepoints = new SavepointStore(dynamo, s3, application);
        var leases = new ShardLeaseTable(dynamo, application);

        var truthA = await cluster.ProduceAsync(stream, records: 200, keys: 40);
        var truthPath = Path.Combine(data.Path, "truth-a.json");
        truthA.Save(truthPath);
        SavepointDescriptor created;
        GroundTruth truthAB;
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            // Batch A committed by one barrier (every partition has a snapshot), then batch B applied after it.
            await LocalCluster.WaitForCaughtUpAsync(silo, 200);
            await silo.Source.Checkpointer.CheckpointAsync(CancellationToken.None);
            truthAB = await cluster.ProduceAsync(stream, records: 200, keys: 50, seed: 9, truth: GroundTruth.Load(truthPath));
            await LocalCluster.WaitForCaughtUpAsync(silo, 400);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truthAB.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));

            // A running application whose silos cannot be reached: refused, rather than pinned at the last barrier.
            var unreachable = new SavepointBarrier(async ct =>
            {
                await GatewayProbe.EnsureAnyListensAsync([9], ct);
                throw new InvalidOperationException("unreachable");
            }, "127.0.0.1:9");
            var refused = await Assert.ThrowsAsync<CliException>(() => savepoints.CreateAsync("now", CancellationToken.None, unreachable));
            Assert.Contains("--no-barrier", refused.Message);

            var asked = DateTimeOffset.UtcNow;
            created = await savepoints.CreateAsync("now", CancellationToken.None, new SavepointBarrier(_ => LocalCluster.ConnectAsync(silo), $"127.0.0.1:{silo.GatewayPort}"));
            var cycle = Assert.Single(created.Barrier!);
            Assert.True(cycle.CompletedAt >= asked && cycle.Cycle >= 2, $"cycle {cycle.Cycle} completed at {cycle.CompletedAt:O}, asked at {asked:O}");
        }

        // Stopped, restored to the savepoint, the input held: the state is exactly the savepoint's.
        await savepoints.RestoreAsync("now", CancellationToken.None);
        var shard = Assert.Single(created.Shards);
        await using (await HoldAsync(leases, (await leases.GetAsync(shard.ShardId, CancellationToken.None))!))
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await using var client = await LocalCluster.ConnectAsync(silo);
            var differences = await truthAB.VerifyAsync(client.Client, CancellationToken.None);
            Assert.True(differences.Count == 0, $"the savepoint misses batch B: {differences.Count} keys differ, e.g. {string.Join("; ", differences.Take(3))}");
            Assert.Equal(0, silo.Source.Progress.Sum(p => p.RecordsRead));
        }
    }

    /// <summary>
    /// Holds the input: a live lease of another worker on the only shard (a fair share, never stolen) keeps a silo from
    /// reading it, so its state is exactly what it restored. Disposed, the lease is let go.
    /// </summary>
    private static async Task<IAsyncDisposable> HoldAsync(ShardLeaseTable leases, ShardLease lease)
    {
        const string owner = "savepoint-test";
        await leases.TakeAsync(lease, owner, CancellationToken.None);
        var holding = new CancellationTokenSource();
        var renewing = Task.Run(async () =>
        {
            while (!holding.IsCancellationRequested)
            {
                await leases.RenewAsync(lease.LeaseKey, owner, CancellationToken.None);
                await Task.Delay(500, CancellationToken.None);
            }
        });
        return new Release(async () =>
        {
            await holding.CancelAsync();
            await renewing;
            holding.Dispose();
            await leases.ReleaseAsync(lease.LeaseKey, owner, CancellationToken.None);
        });
    }

    private sealed class Release(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }
}
